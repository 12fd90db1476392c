"""`build_augmentations(cfg)`: the enabled data.augmentation sections as one seeded Compose."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monai.transforms import Compose

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config, DataConfig
from connectomics.config.schema.augmentation import Rotate90Config
from connectomics.config.schema.section import Section
from connectomics.data.augment.registry import AUGMENTATION_REGISTRY

AUGMENT_KEYS = ("image", "label", "mask")

# Geometry first (labels move with the image), then EM artefacts, then intensity.
ORDER = (
    "flip",
    "rotate90",
    "scale",
    "elastic",
    "misalignment",
    "missing_section",
    "missing_parts",
    "motion_blur",
    "cut_blur",
    "cut_noise",
    "histogram_warp",
    "gamma",
    "contrast_brightness",
    "blur",
    "noise",
)


def _resolve_rotate90(section: Rotate90Config, patch_size: Sequence[int]) -> Rotate90Config | None:
    """The rotation planes decided from the patch: out of plane only for cubic 3D patches;
    None when y and x sizes differ (a quarter turn would change the patch shape, and half
    turns are already covered by flips)."""
    cubic = len(patch_size) == 3 and len(set(patch_size)) == 1
    if section.in_plane_only is False and not cubic:
        raise ConfigError(
            f"data.augmentation.rotate90.in_plane_only: false needs a cubic patch, got "
            f"data.patch_size={list(patch_size)}; set it to true (or null) or use a cubic patch"
        )
    if patch_size[-1] != patch_size[-2]:
        return None
    if section.in_plane_only is None:
        return section.model_copy(update={"in_plane_only": not cubic})
    return section


def _enabled(section: Any) -> bool:
    """A schema section's or a registered entry's mapping's `enabled`."""
    if isinstance(section, Section):
        return section.enabled
    return bool(section) and bool(section["enabled"])


def build_augmentations(cfg: Config | DataConfig, keys: Sequence[str] = AUGMENT_KEYS) -> Compose:
    """Enabled augmentations of `cfg.data.augmentation` over image/label/mask (missing keys
    are skipped); an empty Compose when data.augmentation.enabled is false. Seed it with
    `.set_random_state(seed)`."""
    data = cfg.data if hasattr(cfg, "data") else cfg
    augmentation = data.augmentation
    patch_size = list(data.patch_size)
    if not augmentation.enabled:
        return Compose([])
    names = [n for n in ORDER if n in AUGMENTATION_REGISTRY]
    names += [n for n in AUGMENTATION_REGISTRY if n not in ORDER]
    transforms = []
    for name in names:
        section = getattr(augmentation, name, None)
        if section is None or not _enabled(section):
            continue
        if name == "rotate90":
            section = _resolve_rotate90(section, patch_size)
            if section is None:
                continue
        transform = AUGMENTATION_REGISTRY[name](section, tuple(keys), len(patch_size))
        if transform is not None:
            transforms.append(transform)
    return Compose(transforms)
