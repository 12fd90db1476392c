"""Augmentations spanning acquisition differences between EM volumes (MONAI): a random
monotone histogram warp of the image, and isotropic scale changes of image and labels.

Sections `data.augmentation.histogram_warp` and `data.augmentation.scale` (off unless
enabled); gamma, contrast/brightness, blur and noise are
the intensity ones in `intensity.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from monai.transforms import RandHistogramShiftd, RandZoomd

from connectomics.data.augment.base import PreserveTypesd
from connectomics.data.augment.registry import register_augmentation


@register_augmentation("histogram_warp")
def build_histogram_warp(section: Mapping[str, Any], keys: Sequence[str], spatial_dims: int) -> Any:
    """Random piecewise-linear monotone intensity curve (the image's range kept)."""
    low, high = (int(v) for v in section.get("num_control_points", (5, 10)))
    warp = RandHistogramShiftd(
        [keys[0]],
        num_control_points=(low, high),
        prob=float(section.get("prob", 0.3)),
        allow_missing_keys=True,
    )
    return PreserveTypesd(warp, [keys[0]])


@register_augmentation("scale")
def build_scale(section: Mapping[str, Any], keys: Sequence[str], spatial_dims: int) -> Any:
    """Isotropic zoom by a factor from `zoom_range` about the centre, size kept (image linear,
    labels and mask nearest): objects of other sizes than the training volume's."""
    low, high = (float(v) for v in section.get("zoom_range", (0.8, 1.25)))
    linear = "trilinear" if spatial_dims == 3 else "bilinear"
    zoom = RandZoomd(
        list(keys),
        prob=float(section.get("prob", 0.3)),
        min_zoom=low,
        max_zoom=high,
        mode=[linear] + ["nearest"] * (len(keys) - 1),
        padding_mode="reflect",
        keep_size=True,
        allow_missing_keys=True,
    )
    return PreserveTypesd(zoom, list(keys), compact_labels=True)
