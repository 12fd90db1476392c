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


def _class_masks(
    pred: Any, gt: Any, num_classes: int | None, include_background: bool, threshold: float
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(pred mask, gt mask) per class scored: the foreground, or each class id of a class map."""
    pred_arr, gt_arr = as_numpy(pred), as_numpy(gt)
    check_same_shape(pred_arr, gt_arr, ("pred", "gt"))
    if num_classes is None:
        return [(_foreground(pred_arr, threshold), _foreground(gt_arr, threshold))]
    first = 0 if include_background else 1
    return [(pred_arr == c, gt_arr == c) for c in range(first, num_classes)]


def _confusion(pred_mask: np.ndarray, gt_mask: np.ndarray) -> tuple[int, int, int]:
    """True positives, false positives and false negatives."""
    tp = int(np.count_nonzero(pred_mask & gt_mask))
    return tp, int(np.count_nonzero(pred_mask)) - tp, int(np.count_nonzero(gt_mask)) - tp


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
    scores = []
    for pred_mask, gt_mask in _class_masks(pred, gt, num_classes, include_background, threshold):
        tp, fp, fn = _confusion(pred_mask, gt_mask)
        scores.append(_ratio(2 * tp, 2 * tp + fp + fn))
    return float(np.mean(scores))


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
    scores = []
    for pred_mask, gt_mask in _class_masks(pred, gt, num_classes, include_background, threshold):
        tp, fp, fn = _confusion(pred_mask, gt_mask)
        scores.append(_ratio(tp, tp + fp + fn))
    return float(np.mean(scores))


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
    rows = []
    for pred_mask, gt_mask in _class_masks(pred, gt, num_classes, include_background, threshold):
        tp, fp, fn = _confusion(pred_mask, gt_mask)
        rows.append((_ratio(tp, tp + fp), _ratio(tp, tp + fn), _ratio(2 * tp, 2 * tp + fp + fn)))
    precision, recall, f1 = np.mean(np.asarray(rows, dtype=np.float64), axis=0)
    return PRF(float(precision), float(recall), float(f1))
