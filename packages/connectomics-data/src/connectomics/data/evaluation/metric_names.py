"""The metric names accepted in `evaluation.metrics` and their validation."""

from __future__ import annotations

from collections.abc import Iterable

from connectomics.config.errors import ConfigError
from connectomics.config.registries import METRICS
from connectomics.config.schema.inference import EvaluationConfig

SEMANTIC_METRICS = ("dice", "iou", "precision", "recall", "f1")
# erl: expected run length along ground-truth skeletons (+ normalized); merge_split: skeleton
# merge and split counts (both need the volumes, see run_length.py)
INSTANCE_METRICS = ("adapted_rand", "voi", "cremi", "ap", "erl", "merge_split")
ALL_METRICS = SEMANTIC_METRICS + INSTANCE_METRICS
# what `evaluate` computes when no metric is named: by what the scored volume holds
DEFAULT_SEMANTIC = tuple(EvaluationConfig().metrics)
DEFAULT_INSTANCE = ("adapted_rand", "voi")
# ground-truth labels left out of adapted_rand, voi and cremi unless evaluation.ignore_labels
DEFAULT_IGNORE = tuple(EvaluationConfig().ignore_labels)
for _name in SEMANTIC_METRICS:  # the metrics registry: name -> kind (what it scores)
    METRICS.register(_name, "semantic")
for _name in INSTANCE_METRICS:
    METRICS.register(_name, "instance")


def split_metrics(metrics: Iterable[str]) -> tuple[list[str], list[str]]:
    """(semantic, instance) names of `metrics`, each checked (ConfigError on an unknown one)."""
    names = check_metric_names(metrics)
    return [n for n in names if n in SEMANTIC_METRICS], [n for n in names if n in INSTANCE_METRICS]


def check_metric_names(metrics: Iterable[str], allowed: tuple[str, ...] = ALL_METRICS) -> list[str]:
    """Return `metrics` as a list, raising ConfigError that lists the valid names on a bad one."""
    names = [metrics] if isinstance(metrics, str) else [str(name) for name in metrics]
    for name in names:
        METRICS.lookup(name)
    misplaced = [name for name in names if name not in allowed]
    if misplaced:
        raise ConfigError(
            f"metric {misplaced[0]!r} belongs to the other kind of evaluation (semantic: "
            f"{', '.join(SEMANTIC_METRICS)}; instance: {', '.join(INSTANCE_METRICS)}); "
            f"this call takes: {', '.join(allowed)}. Use evaluate() to dispatch on the names"
        )
    return names
