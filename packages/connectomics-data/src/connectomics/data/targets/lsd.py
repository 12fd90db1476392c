"""Local shape descriptors (LSDs; Sheridan et al., Nature Methods 2023) as a training target.

For a voxel v of segment s and a Gaussian window w_v (std `sigma` voxels per axis) the
descriptors are statistics of the part of s the window sees:
  size        sum_u w_v(u) 1_s(u)                       (window mass inside s, in [0, 1])
  mean offset m(v) - v, m(v) = sum_u w_v(u) 1_s(u) u / size
  covariance  sum_u w_v(u) 1_s(u) (u - m)(u - m)^T / size
Each is a Gaussian convolution of the segment's indicator times 1, u_i or u_i u_j (scipy.ndimage,
computed per segment inside its bounding box grown by the window). Channels, all in [0, 1] for
a sigmoid: mean offset / sigma / 2 + 1/2 (d), variance / sigma^2 (d), covariance /
(sigma_i sigma_j) / 2 + 1/2 (d(d-1)/2), size (1). Background (label 0) is all zero.

Why our own: the `lsds` package pins zarr 2 (through daisy/funlib), which this project's zarr 3
excludes; `lsd-lite` installs but is a small single-author package; the definition is a few
Gaussian filters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage

from connectomics.config.target_specs import lsd_channels
from connectomics.data.targets.base import LabelTargetd
from connectomics.data.targets.registry import register_target

TRUNCATE = 4.0  # Gaussian window radius, in sigmas


def _sigmas(sigma: float | Sequence[float], ndim: int) -> np.ndarray:
    values = np.atleast_1d(np.asarray(sigma, dtype=np.float64))
    if values.size == 1:
        values = np.repeat(values, ndim)
    if values.size != ndim or np.any(values <= 0):
        raise ValueError(f"lsd sigma must be one positive value or {ndim}, got {sigma!r}")
    return values


def local_shape_descriptors(label: np.ndarray, sigma: float | Sequence[float] = 5.0) -> np.ndarray:
    """(lsd_channels(ndim), *label.shape) float32 descriptors of every labelled voxel."""
    label = np.asarray(label)
    ndim = label.ndim
    sig = _sigmas(sigma, ndim)
    pairs = [(i, j) for i in range(ndim) for j in range(i + 1, ndim)]
    out = np.zeros((lsd_channels(ndim), *label.shape), np.float32)
    radius = np.ceil(TRUNCATE * sig).astype(int)
    objects = ndimage.find_objects(label.astype(np.int64, copy=False))
    for index, box in enumerate(objects, start=1):
        if box is None:
            continue
        grown = tuple(
            slice(max(0, b.start - r), min(n, b.stop + r))
            for b, r, n in zip(box, radius, label.shape)
        )
        inside = label[grown] == index
        mask = inside.astype(np.float64)
        coords = np.meshgrid(
            *[np.arange(g.start, g.stop, dtype=np.float64) for g in grown], indexing="ij"
        )
        # centre coordinates in the box for precision of the second moments
        coords = [c - c.mean() for c in coords]

        def smooth(values: np.ndarray) -> np.ndarray:
            return ndimage.gaussian_filter(values, sig, mode="constant", truncate=TRUNCATE)

        size = smooth(mask)
        safe = np.where(size > 1e-12, size, 1.0)
        first = [smooth(mask * c) / safe for c in coords]
        region = out[(slice(None), *grown)]
        for axis in range(ndim):
            offset = (first[axis] - coords[axis]) / sig[axis]
            second = smooth(mask * coords[axis] ** 2) / safe - first[axis] ** 2
            region[axis][inside] = np.clip(offset * 0.5 + 0.5, 0, 1)[inside]
            region[ndim + axis][inside] = np.clip(second / sig[axis] ** 2, 0, 1)[inside]
        for k, (i, j) in enumerate(pairs):
            cov = smooth(mask * coords[i] * coords[j]) / safe - first[i] * first[j]
            cov = cov / (sig[i] * sig[j])
            region[2 * ndim + k][inside] = np.clip(cov * 0.5 + 0.5, 0, 1)[inside]
        region[-1][inside] = np.clip(size, 0, 1)[inside]
    return out


@register_target("lsd")
class LSDTargetd(LabelTargetd):
    """Local shape descriptors of the instance label (10 channels in 3D, 6 in 2D)."""

    def __init__(self, sigma: float | Sequence[float] = 5.0, **keys: str) -> None:
        super().__init__(**keys)
        self.sigma = sigma

    def compute(
        self, label: np.ndarray, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The descriptor channels."""
        return local_shape_descriptors(label, self.sigma), None
