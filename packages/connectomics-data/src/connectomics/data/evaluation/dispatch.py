"""`evaluate`: the one entry that scores predictions and segmentations against ground truth.

`connectomics test` (the trainer's test stage), `connectomics evaluate` and `connectomics demo`
all score through it; it alone splits the metric names into semantic and instance ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from connectomics.config.schema.inference import EvaluationConfig
from connectomics.data.errors import DataError
from connectomics.data.evaluation.instance import evaluate_instances, instance_scores
from connectomics.data.evaluation.metric_names import (
    DEFAULT_INSTANCE,
    DEFAULT_SEMANTIC,
    SEMANTIC_METRICS,
    split_metrics,
)
from connectomics.data.evaluation.run_length import RUN_LENGTH_METRICS, selected_run_lengths
from connectomics.data.evaluation.semantic import evaluate_semantic
from connectomics.data.io.volume import Volume
from connectomics.metrics import ContingencyTable
from connectomics.metrics.arrays import as_numpy

# (segmentation, ground truth) -> their contingency table, e.g. counted block by block
Contingency = Callable[[Any, Any], ContingencyTable]
# (segmentation, ground truth, voxel_size=...) -> run_length_scores, e.g. skeletons per block
RunLengths = Callable[..., dict[str, float]]


def evaluate(
    pred_or_seg: Any,
    gt: Any,
    cfg_evaluation: Any = None,
    *,
    metrics: Iterable[str] | None = None,
    threshold: float | None = None,
    segmentation: Any = None,
    contingency: Contingency | None = None,
    run_lengths: RunLengths | None = None,
    voxel_size: Any = None,
) -> dict[str, float]:
    """Score against `gt`: semantic metrics on `pred_or_seg`, instance ones on the labels.

    Metric names, threshold and ignored labels come from `cfg_evaluation` (the evaluation
    section or the whole config) unless given; with neither, a probability map gets
    dice/iou and a segmentation adapted_rand/voi. Instance metrics score `segmentation` when
    given (the decoded `pred_or_seg`), else `pred_or_seg` itself, which must hold labels;
    `contingency` counts their table another way (block by block: nothing read whole), and
    `run_lengths` scores erl / merge_split another way (it is needed beside `contingency`).
    Skeleton lengths (erl) are in `voxel_size` units, else the config's data.voxel_size.
    """
    section = getattr(cfg_evaluation, "evaluation", cfg_evaluation)
    defaults = section if section is not None else EvaluationConfig()
    labels = pred_or_seg if segmentation is None else segmentation
    if metrics is None and section is not None:
        metrics = section.metrics
    if metrics is None:
        metrics = default_metrics(pred_or_seg)
    semantic, instance = split_metrics(metrics)
    if instance and _dtype(labels).kind not in "uib":
        raise DataError(
            f"evaluation.metrics asks for instance metrics ({', '.join(instance)}) but the input "
            f"holds {_dtype(labels)} probabilities; decode it into a segmentation first "
            f"(decoding.name, `connectomics decode`), or keep only semantic metrics "
            f"({', '.join(SEMANTIC_METRICS)})"
        )
    if threshold is None:
        threshold = defaults.threshold
    ignore = defaults.ignore_labels
    results: dict[str, float] = {}
    if semantic:
        values = as_numpy(pred_or_seg)
        results.update(evaluate_semantic(values, as_numpy(gt), semantic, float(threshold)))
    if voxel_size is None and hasattr(cfg_evaluation, "data"):
        voxel_size = getattr(cfg_evaluation.data, "voxel_size", None)
    if instance and contingency is not None:
        skeletal = [n for n in instance if n in RUN_LENGTH_METRICS]
        table = [n for n in instance if n not in skeletal]
        results.update(instance_scores(contingency(labels, gt), table, ignore or ()))
        if skeletal:
            if run_lengths is None:
                raise DataError(
                    f"evaluation.metrics {skeletal} are scored along ground-truth skeletons, "
                    "which counting a contingency table does not give: pass run_lengths too"
                )
            results.update(
                selected_run_lengths(run_lengths(labels, gt, voxel_size=voxel_size), skeletal)
            )
    elif instance:
        results.update(
            evaluate_instances(
                labels, gt, instance, ignore_labels=ignore or (), voxel_size=voxel_size
            )
        )
    return results


def default_metrics(pred_or_seg: Any) -> tuple[str, ...]:
    """The metrics scored when none is named: dice/iou of a probability map, adapted_rand/voi
    of a segmentation."""
    return DEFAULT_SEMANTIC if _dtype(pred_or_seg).kind == "f" else DEFAULT_INSTANCE


def _dtype(values: Any) -> np.dtype:
    """numpy dtype of an array, lazy volume (not read), tensor or sequence."""
    if isinstance(values, np.ndarray | Volume):
        return np.dtype(values.dtype)
    return as_numpy(values).dtype
