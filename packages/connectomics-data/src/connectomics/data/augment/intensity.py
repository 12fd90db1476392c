"""Image-only intensity augmentations (MONAI): gamma, contrast/brightness, noise, blur."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monai.transforms import (
    Compose,
    RandAdjustContrastd,
    RandGaussianNoised,
    RandGaussianSmoothd,
    RandScaleIntensityFixedMeand,
    RandShiftIntensityd,
)

from connectomics.config.schema.augmentation import (
    BlurConfig,
    ContrastBrightnessConfig,
    GammaConfig,
    NoiseConfig,
)
from connectomics.data.augment.base import PreserveTypesd
from connectomics.data.augment.registry import register_augmentation


def _image(keys: Sequence[str]) -> list[str]:
    return [keys[0]]


@register_augmentation("gamma")
def build_gamma(section: GammaConfig, keys: Sequence[str], spatial_dims: int) -> Any:
    """Random gamma correction (intensity range kept)."""
    gamma = RandAdjustContrastd(
        _image(keys),
        prob=section.prob,
        gamma=tuple(section.gamma_range),
        allow_missing_keys=True,
    )
    return PreserveTypesd(gamma, _image(keys))


@register_augmentation("contrast_brightness")
def build_contrast_brightness(
    section: ContrastBrightnessConfig, keys: Sequence[str], spatial_dims: int
) -> Any:
    """Contrast scaled about the mean, then a brightness shift, each with `prob`."""
    prob = section.prob
    low, high = section.contrast_range
    contrast = RandScaleIntensityFixedMeand(
        _image(keys), factors=(low - 1.0, high - 1.0), prob=prob, allow_missing_keys=True
    )
    brightness = RandShiftIntensityd(
        _image(keys),
        offsets=tuple(section.brightness_range),
        prob=prob,
        allow_missing_keys=True,
    )
    return PreserveTypesd(Compose([contrast, brightness]), _image(keys))


@register_augmentation("noise")
def build_noise(section: NoiseConfig, keys: Sequence[str], spatial_dims: int) -> Any:
    """Additive Gaussian noise (std drawn up to `std`)."""
    noise = RandGaussianNoised(
        _image(keys),
        prob=section.prob,
        std=section.std,
        sample_std=True,
        allow_missing_keys=True,
    )
    return PreserveTypesd(noise, _image(keys))


@register_augmentation("blur")
def build_blur(section: BlurConfig, keys: Sequence[str], spatial_dims: int) -> Any:
    """Gaussian blur with sigma drawn from `sigma_range` per axis."""
    sigma = tuple(section.sigma_range)
    blur = RandGaussianSmoothd(
        _image(keys),
        sigma_x=sigma,
        sigma_y=sigma,
        sigma_z=sigma,
        prob=section.prob,
        allow_missing_keys=True,
    )
    return PreserveTypesd(blur, _image(keys))
