"""Flips, 90-degree rotations and elastic deformation (MONAI), applied jointly to all keys."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

from monai.transforms import (
    Compose,
    Rand2DElasticd,
    Rand3DElasticd,
    RandFlipd,
    RandRotate90d,
)

from connectomics.config.schema.augmentation import ElasticConfig, FlipConfig, Rotate90Config
from connectomics.data.augment.base import PreserveTypesd
from connectomics.data.augment.registry import register_augmentation


def _compose(transforms: list[Any], keys: Sequence[str], compact: bool = False) -> Any:
    inner = transforms[0] if len(transforms) == 1 else Compose(transforms)
    return PreserveTypesd(inner, keys, compact_labels=compact)


@register_augmentation("flip")
def build_flip(section: FlipConfig, keys: Sequence[str], spatial_dims: int) -> Any:
    """Independent random flip along each spatial axis."""
    prob = section.prob
    flips = [
        RandFlipd(keys, prob=prob, spatial_axis=axis, allow_missing_keys=True)
        for axis in range(spatial_dims)
    ]
    return _compose(flips, keys)


@register_augmentation("rotate90")
def build_rotate90(section: Rotate90Config, keys: Sequence[str], spatial_dims: int) -> Any:
    """Random 90-degree rotations: in the (y, x) plane, or in every plane when `in_plane_only`
    is false (only valid for cubic patches; build_augmentations resolves null from the patch
    and skips rotations when y and x sizes differ)."""
    prob = section.prob
    in_plane = (spatial_dims - 2, spatial_dims - 1)
    planes = [in_plane]
    if spatial_dims == 3 and not section.in_plane_only:
        planes = list(combinations(range(3), 2))
    rotations = [
        RandRotate90d(keys, prob=prob, max_k=3, spatial_axes=plane, allow_missing_keys=True)
        for plane in planes
    ]
    return _compose(rotations, keys)


@register_augmentation("elastic")
def build_elastic(section: ElasticConfig, keys: Sequence[str], spatial_dims: int) -> Any:
    """Smooth random deformation: image bilinear, labels and mask nearest."""
    prob = section.prob
    modes = ["bilinear"] + ["nearest"] * (len(keys) - 1)
    if spatial_dims == 3:
        elastic = Rand3DElasticd(
            keys,
            sigma_range=tuple(section.sigma_range),
            magnitude_range=tuple(section.magnitude_range),
            prob=prob,
            mode=modes,
            padding_mode="reflection",
            allow_missing_keys=True,
        )
    else:
        spacing = section.grid_spacing
        elastic = Rand2DElasticd(
            keys,
            spacing=(spacing, spacing),
            magnitude_range=tuple(section.grid_magnitude_range),
            prob=prob,
            mode=modes,
            padding_mode="reflection",
            allow_missing_keys=True,
        )
    return _compose([elastic], keys, compact=True)
