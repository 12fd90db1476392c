"""Conversion of numpy arrays and torch tensors to numpy for the metrics."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def as_numpy(array: Any) -> np.ndarray:
    """Return `array` (numpy array, torch tensor or sequence) as a numpy array without copying."""
    if isinstance(array, torch.Tensor):
        return array.detach().cpu().numpy()
    return np.asarray(array)


def check_same_shape(first: np.ndarray, second: np.ndarray, names: tuple[str, str]) -> None:
    """Raise ValueError naming both arrays when their shapes differ."""
    if first.shape != second.shape:
        raise ValueError(
            f"{names[0]} has shape {first.shape} but {names[1]} has shape {second.shape}; "
            "metrics compare voxel by voxel, so crop or pad one to the other's shape"
        )
