"""Input intensity normalisation for inference, consistent across chunks of one volume."""

from __future__ import annotations

from typing import Any

import numpy as np


def volume_mean_std(volume: Any, slab: int = 16) -> tuple[float, float]:
    """Mean and standard deviation of a lazy volume, read in slabs along its first axis."""
    total = total_sq = 0.0
    count = 0
    for start in range(0, volume.shape[0], slab):
        block = np.asarray(volume[start : start + slab], dtype=np.float64)
        total += float(block.sum())
        total_sq += float(np.square(block).sum())
        count += block.size
    mean = total / max(count, 1)
    var = max(total_sq / max(count, 1) - mean * mean, 0.0)
    return mean, float(np.sqrt(var))


def normalize_block(block: np.ndarray, mode: str, stats: tuple[float, float] | None) -> np.ndarray:
    """float32 copy of `block`: "scale" maps an integer dtype's range to [0, 1], "zscore" uses
    `stats` (mean, std) of the whole volume, "none" only converts."""
    if mode == "scale" and np.issubdtype(block.dtype, np.integer):
        info = np.iinfo(block.dtype)
        out = block.astype(np.float32)
        if info.min < 0:
            out -= np.float32(info.min)
        out *= np.float32(1.0 / (float(info.max) - min(float(info.min), 0.0)))
        return out
    out = block.astype(np.float32, copy=True)
    if mode == "zscore":
        assert stats is not None
        mean, std = stats
        out -= np.float32(mean)
        out *= np.float32(1.0 / max(std, 1e-8))
    return out
