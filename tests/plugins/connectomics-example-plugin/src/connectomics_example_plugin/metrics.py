"""Metrics `example_predicted_fraction` (semantic) and `example_segments` (instance),
registered when the entry point's `register` is called."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def predicted_fraction(prediction: np.ndarray, gt: np.ndarray, threshold: float) -> float:
    """Fraction of the voxels predicted as foreground (above `threshold`)."""
    return float(np.mean(prediction > threshold))


def segments(table: Any, ignore_labels: Iterable[int]) -> float:
    """Number of segments (nonzero ids) that overlap ground truth outside `ignore_labels`."""
    kept = ~np.isin(table.gt_ids[table.rows], list(ignore_labels))
    ids = table.seg_ids[table.cols[kept]]
    return float(np.count_nonzero(np.unique(ids)))


def register() -> None:
    """Add both metrics to connectomics' metric registry."""
    from connectomics.data.evaluation import register_metric

    register_metric("example_predicted_fraction", "semantic", predicted_fraction)
    register_metric("example_segments", "instance", segments)
