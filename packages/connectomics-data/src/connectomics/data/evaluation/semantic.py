"""Semantic (voxel class) evaluation: Dice, IoU, precision, recall, F1."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from connectomics.config.schema.inference import EvaluationConfig
from connectomics.data.evaluation.metric_names import (
    DEFAULT_SEMANTIC,
    check_metric_names,
    plugin_scores,
)
from connectomics.data.evaluation.shapes import check_shapes, squeeze_channel
from connectomics.metrics import dice, iou, precision_recall_f1
from connectomics.metrics.arrays import as_numpy


def evaluate_semantic(
    pred: Any,
    gt: Any,
    metrics: Iterable[str] = DEFAULT_SEMANTIC,
    threshold: float = EvaluationConfig.model_fields["threshold"].default,
) -> dict[str, float]:
    """Score a probability map (or binary/label map) against ground truth foreground.

    `pred` is `(*spatial)` or `(1, *spatial)`: probabilities are cut at `threshold`, integer
    maps count non-zero as foreground; gt counts non-zero as foreground. A `(C, *spatial)`
    prediction with C > 1 is taken as class scores: its argmax is compared with gt class ids
    and each metric is the mean over classes 1..C-1.
    """
    names = check_metric_names(metrics, "semantic")
    truth = as_numpy(gt)
    prediction = squeeze_channel(pred, truth.ndim)
    options: dict[str, Any] = {"threshold": threshold}
    if prediction.ndim == truth.ndim + 1:
        options["num_classes"] = prediction.shape[0]
        prediction = np.argmax(prediction, axis=0)
    else:
        truth = truth != 0
    check_shapes(prediction, truth, "the prediction")
    results = plugin_scores(names, prediction, truth, threshold)
    if "dice" in names:
        results["dice"] = dice(prediction, truth, **options)
    if "iou" in names:
        results["iou"] = iou(prediction, truth, **options)
    if {"precision", "recall", "f1"} & set(names):
        scores = precision_recall_f1(prediction, truth, **options)._asdict()
        results.update({name: float(scores[name]) for name in names if name in scores})
    return results
