"""Augmentations spanning acquisition differences between EM volumes (MONAI): a random
monotone histogram warp of the image, and isotropic scale changes of image and labels.

Sections `data.augmentation.histogram_warp` and `data.augmentation.scale` (off unless
enabled); gamma, contrast/brightness, blur and noise are
the intensity ones in `intensity.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monai.transforms import RandHistogramShiftd, RandZoomd

from connectomics.config.schema.augmentation import HistogramWarpConfig, ScaleConfig
from connectomics.data.augment.base import PreserveTypesd
from connectomics.data.augment.registry import register_augmentation


@register_augmentation("histogram_warp")
def build_histogram_warp(
    section: HistogramWarpConfig, keys: Sequence[str], spatial_dims: int
) -> Any:
    """Random piecewise-linear monotone intensity curve (the image's range kept)."""
    low, high = (int(v) for v in section.num_control_points)
    warp = RandHistogramShiftd(
        [keys[0]],
        num_control_points=(low, high),
        prob=section.prob,
        allow_missing_keys=True,
    )
    return PreserveTypesd(warp, [keys[0]])


@register_augmentation("scale")
def build_scale(section: ScaleConfig, keys: Sequence[str], spatial_dims: int) -> Any:
    """Isotropic zoom by a factor from `zoom_range` about the centre, size kept (image linear,
    labels and mask nearest): objects of other sizes than the training volume's."""
    low, high = (float(v) for v in section.zoom_range)
    linear = "trilinear" if spatial_dims == 3 else "bilinear"
    zoom = RandZoomd(
        list(keys),
        prob=section.prob,
        min_zoom=low,
        max_zoom=high,
        mode=[linear] + ["nearest"] * (len(keys) - 1),
        padding_mode="reflect",
        keep_size=True,
        allow_missing_keys=True,
    )
    return PreserveTypesd(zoom, list(keys), compact_labels=True)
