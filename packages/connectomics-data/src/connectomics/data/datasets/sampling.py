"""Voxels of a lazy volume sampled from evenly spread sections (never the whole volume)."""

from __future__ import annotations

from typing import Any

import numpy as np


def sample_values(volume: Any, max_samples: int = 1_000_000) -> np.ndarray:
    """Up to ~`max_samples` float64 voxels of a lazy volume, read from at most 16 evenly
    spread sections along its first spatial axis (whole sections, subsampled with a stride)."""
    shape = tuple(volume.shape)
    spatial_axis = 1 if len(shape) == 4 else 0
    depth = shape[spatial_axis]
    picks = np.unique(np.linspace(0, depth - 1, min(depth, 16)).round().astype(int))
    index: list[Any] = [slice(None)] * len(shape)
    samples = []
    for z in picks:
        index[spatial_axis] = slice(int(z), int(z) + 1)
        section = np.asarray(volume[tuple(index)], dtype=np.float64).ravel()
        stride = max(1, section.size * len(picks) // max(1, max_samples))
        samples.append(section[::stride])
    return np.concatenate(samples)
