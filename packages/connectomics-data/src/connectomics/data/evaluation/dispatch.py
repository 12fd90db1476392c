"""`evaluate`: run the metrics named in the config's evaluation section."""

from __future__ import annotations

from typing import Any

from connectomics.data.errors import DataError
from connectomics.data.evaluation.instance import evaluate_instances
from connectomics.data.evaluation.metric_names import (
    INSTANCE_METRICS,
    SEMANTIC_METRICS,
    check_metric_names,
)
from connectomics.data.evaluation.semantic import evaluate_semantic
from connectomics.metrics.arrays import as_numpy


def evaluate(pred_or_seg: Any, gt: Any, cfg_evaluation: Any) -> dict[str, float]:
    """Score `pred_or_seg` against `gt` with the metrics of `cfg.evaluation` (the section or the
    whole config): semantic ones on the foreground, instance ones on the labels."""
    section = getattr(cfg_evaluation, "evaluation", cfg_evaluation)
    names = check_metric_names(list(section.metrics))
    semantic = [name for name in names if name in SEMANTIC_METRICS]
    instance = [name for name in names if name in INSTANCE_METRICS]
    values = as_numpy(pred_or_seg)
    if instance and values.dtype.kind not in "uib":
        raise DataError(
            f"evaluation.metrics asks for instance metrics ({', '.join(instance)}) but the input "
            f"holds {values.dtype} probabilities; decode it into a segmentation first, or keep "
            f"only semantic metrics ({', '.join(SEMANTIC_METRICS)})"
        )
    results: dict[str, float] = {}
    if semantic:
        results.update(evaluate_semantic(values, gt, semantic, threshold=float(section.threshold)))
    if instance:
        ignore = getattr(section, "ignore_labels", (0,))
        results.update(evaluate_instances(values, gt, instance, ignore_labels=ignore or ()))
    return results
