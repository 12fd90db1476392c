"""EM augmentations as MONAI random dict transforms (`AUGMENTATION_REGISTRY`) and
`build_augmentations(cfg)`."""

from connectomics.data.augment import acquisition, geometric, intensity  # noqa: F401  (registers)
from connectomics.data.augment.base import PreserveTypesd, RandomSampleTransform
from connectomics.data.augment.build import AUGMENT_KEYS, build_augmentations
from connectomics.data.augment.cut_blur import RandCutBlurd
from connectomics.data.augment.cut_noise import RandCutNoised
from connectomics.data.augment.misalignment import RandMisalignmentd
from connectomics.data.augment.missing_parts import RandMissingPartsd
from connectomics.data.augment.missing_section import RandMissingSectiond
from connectomics.data.augment.motion_blur import RandMotionBlurd, line_kernel
from connectomics.data.augment.registry import (
    AUGMENTATION_REGISTRY,
    list_augmentations,
    register_augmentation,
)

__all__ = [
    "AUGMENTATION_REGISTRY",
    "AUGMENT_KEYS",
    "PreserveTypesd",
    "RandCutBlurd",
    "RandCutNoised",
    "RandMisalignmentd",
    "RandMissingPartsd",
    "RandMissingSectiond",
    "RandMotionBlurd",
    "RandomSampleTransform",
    "build_augmentations",
    "line_kernel",
    "list_augmentations",
    "register_augmentation",
]
