"""Class-balanced per-voxel loss weights."""

from __future__ import annotations

import numpy as np


def class_balanced_weights(target: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """Per-channel weights (C, *spatial) giving foreground (target > 0) and background equal
    total weight over the valid voxels; mean weight 1; ones for a channel with only one class."""
    weight = np.ones(target.shape, dtype=np.float32)
    for channel in range(target.shape[0]):
        counted = np.ones(target.shape[1:], bool) if valid is None else valid[channel] > 0
        positive = (target[channel] > 0) & counted
        total = int(counted.sum())
        n_pos = int(positive.sum())
        n_neg = total - n_pos
        if n_pos == 0 or n_neg == 0:
            continue
        weight[channel] = np.where(positive, total / (2.0 * n_pos), total / (2.0 * n_neg))
    return weight
