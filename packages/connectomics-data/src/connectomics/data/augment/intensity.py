"""Image-only intensity augmentations (MONAI): gamma, contrast/brightness, noise, blur."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from monai.transforms import (
    Compose,
    RandAdjustContrastd,
    RandGaussianNoised,
    RandGaussianSmoothd,
    RandScaleIntensityFixedMeand,
    RandShiftIntensityd,
)

from connectomics.data.augment.base import PreserveTypesd
from connectomics.data.augment.registry import register_augmentation


def _image(keys: Sequence[str]) -> list[str]:
    return [keys[0]]


@register_augmentation("gamma")
def build_gamma(section: Mapping[str, Any], keys: Sequence[str], spatial_dims: int) -> Any:
    """Random gamma correction (intensity range kept)."""
    gamma = RandAdjustContrastd(
        _image(keys),
        prob=float(section.get("prob", 0.3)),
        gamma=tuple(section.get("gamma_range", (0.7, 1.5))),
        allow_missing_keys=True,
    )
    return PreserveTypesd(gamma, _image(keys))


@register_augmentation("contrast_brightness")
def build_contrast_brightness(
    section: Mapping[str, Any], keys: Sequence[str], spatial_dims: int
) -> Any:
    """Contrast scaled about the mean, then a brightness shift, each with `prob`."""
    prob = float(section.get("prob", 0.3))
    low, high = section.get("contrast_range", (0.75, 1.25))
    contrast = RandScaleIntensityFixedMeand(
        _image(keys), factors=(low - 1.0, high - 1.0), prob=prob, allow_missing_keys=True
    )
    brightness = RandShiftIntensityd(
        _image(keys),
        offsets=tuple(section.get("brightness_range", (-0.1, 0.1))),
        prob=prob,
        allow_missing_keys=True,
    )
    return PreserveTypesd(Compose([contrast, brightness]), _image(keys))


@register_augmentation("noise")
def build_noise(section: Mapping[str, Any], keys: Sequence[str], spatial_dims: int) -> Any:
    """Additive Gaussian noise (std drawn up to `std`)."""
    noise = RandGaussianNoised(
        _image(keys),
        prob=float(section.get("prob", 0.2)),
        std=float(section.get("std", 0.05)),
        sample_std=True,
        allow_missing_keys=True,
    )
    return PreserveTypesd(noise, _image(keys))


@register_augmentation("blur")
def build_blur(section: Mapping[str, Any], keys: Sequence[str], spatial_dims: int) -> Any:
    """Gaussian blur with sigma drawn from `sigma_range` per axis."""
    sigma = tuple(section.get("sigma_range", (0.5, 1.5)))
    blur = RandGaussianSmoothd(
        _image(keys),
        sigma_x=sigma,
        sigma_y=sigma,
        sigma_z=sigma,
        prob=float(section.get("prob", 0.2)),
        allow_missing_keys=True,
    )
    return PreserveTypesd(blur, _image(keys))
