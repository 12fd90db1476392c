"""Semantic overlap metrics: Dice, IoU (Jaccard), precision, recall and F1."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from connectomics.config.schema.inference import EvaluationConfig
from connectomics.metrics.arrays import as_numpy, check_same_shape

# Probabilities above this count as foreground unless a call says otherwise (the schema's).
THRESHOLD = EvaluationConfig.model_fields["threshold"].default


class PRF(NamedTuple):
    """Voxel precision, recall and F1 of the foreground."""

    precision: float
    recall: float
    f1: float


def _foreground(array: np.ndarray, threshold: float) -> np.ndarray:
    """Boolean foreground: probabilities above `threshold`, or non-zero labels."""
    if array.dtype.kind == "f":
        return array > threshold
    return array != 0


def _counts(
    pred: Any, gt: Any, num_classes: int | None, include_background: bool, threshold: float
) -> list[tuple[int, int, int]]:
    """(true positives, false positives, false negatives) per class scored: the foreground,
    or each class id of a class map."""
    pred_arr, gt_arr = as_numpy(pred), as_numpy(gt)
    check_same_shape(pred_arr, gt_arr, ("pred", "gt"))
    if num_classes is None:
        masks = [(_foreground(pred_arr, threshold), _foreground(gt_arr, threshold))]
    else:
        first = 0 if include_background else 1
        masks = [(pred_arr == c, gt_arr == c) for c in range(first, num_classes)]
    counts = []
    for pred_mask, gt_mask in masks:
        tp = int(np.count_nonzero(pred_mask & gt_mask))
        counts.append(
            (tp, int(np.count_nonzero(pred_mask)) - tp, int(np.count_nonzero(gt_mask)) - tp)
        )
    return counts


def _ratio(numerator: float, denominator: float) -> float:
    # Both masks empty: the prediction is exactly right.
    return 1.0 if denominator == 0 else numerator / denominator


def dice(
    pred: Any,
    gt: Any,
    *,
    num_classes: int | None = None,
    include_background: bool = False,
    threshold: float = THRESHOLD,
) -> float:
    """Dice 2|P&G| / (|P|+|G|) of the foreground, or the mean over classes 1..num_classes-1
    (0 too with `include_background`) of class maps. Probabilities are cut at `threshold`;
    two empty masks score 1."""
    counts = _counts(pred, gt, num_classes, include_background, threshold)
    return float(np.mean([_ratio(2 * tp, 2 * tp + fp + fn) for tp, fp, fn in counts]))


def iou(
    pred: Any,
    gt: Any,
    *,
    num_classes: int | None = None,
    include_background: bool = False,
    threshold: float = THRESHOLD,
) -> float:
    """Intersection over union (Jaccard) |P&G| / |P|G|, foreground or mean over classes as
    `dice`; two empty masks score 1."""
    counts = _counts(pred, gt, num_classes, include_background, threshold)
    return float(np.mean([_ratio(tp, tp + fp + fn) for tp, fp, fn in counts]))


def precision_recall_f1(
    pred: Any,
    gt: Any,
    *,
    num_classes: int | None = None,
    include_background: bool = False,
    threshold: float = THRESHOLD,
) -> PRF:
    """Voxel precision TP/(TP+FP), recall TP/(TP+FN) and F1, each averaged over the classes
    scored (see `dice`); an empty denominator scores 1."""
    rows = [
        (_ratio(tp, tp + fp), _ratio(tp, tp + fn), _ratio(2 * tp, 2 * tp + fp + fn))
        for tp, fp, fn in _counts(pred, gt, num_classes, include_background, threshold)
    ]
    precision, recall, f1 = np.mean(np.asarray(rows, dtype=np.float64), axis=0)
    return PRF(float(precision), float(recall), float(f1))
