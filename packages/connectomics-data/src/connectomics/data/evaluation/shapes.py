"""Bringing a prediction and its ground truth to comparable numpy arrays."""

from __future__ import annotations

from typing import Any

import numpy as np

from connectomics.data.errors import DataError
from connectomics.metrics.arrays import as_numpy


def squeeze_channel(array: Any, reference_ndim: int) -> np.ndarray:
    """`array` as numpy, with a leading single channel dropped when it has one axis too many."""
    values = as_numpy(array)
    if values.ndim == reference_ndim + 1 and values.shape[0] == 1:
        values = values[0]
    return values


def check_shapes(pred: np.ndarray, gt: np.ndarray, pred_name: str) -> None:
    """Raise DataError naming both shapes when they differ."""
    if pred.shape != gt.shape:
        raise DataError(
            f"{pred_name} has shape {pred.shape} but the ground truth has shape {gt.shape}; "
            "evaluate a prediction of the same volume (crop both to the same region)"
        )
