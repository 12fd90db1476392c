"""Shared image-formation helpers: smooth noise fields, blur, sensor noise."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from connectomics.data.errors import DataError


def check_shape(shape: tuple[int, ...] | list[int]) -> tuple[int, int, int]:
    """Return a validated (z, y, x) shape."""
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3 or min(shape) < 1:
        raise DataError(
            f"synthetic volume shape must be three positive sizes (z, y, x), got {shape}"
        )
    return shape  # type: ignore[return-value]


def smooth_noise(
    rng: np.random.Generator, shape: tuple[int, ...], sigma: tuple[float, ...]
) -> np.ndarray:
    """Gaussian-smoothed white noise rescaled to zero mean, unit standard deviation."""
    field = ndimage.gaussian_filter(rng.standard_normal(shape, dtype=np.float32), sigma)
    std = float(field.std())
    return (field - field.mean()) / (std if std > 0 else 1.0)


def finish_image(
    rng: np.random.Generator,
    clean: np.ndarray,
    blur: float,
    noise: float,
    anisotropy: float = 1.0,
) -> np.ndarray:
    """Blur (thinner along coarse z), add Gaussian sensor noise and quantise to uint8."""
    if blur > 0:
        clean = ndimage.gaussian_filter(clean, (blur / anisotropy, blur, blur))
    if noise > 0:
        clean = clean + rng.normal(0.0, noise, clean.shape).astype(np.float32)
    return np.clip(np.rint(clean), 0, 255).astype(np.uint8)
