"""The metric names accepted in `evaluation.metrics` and their validation."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from connectomics.config.errors import ConfigError
from connectomics.config.registries import METRICS, MetricSpec
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
for _name in SEMANTIC_METRICS:  # the metrics registry: name -> MetricSpec (what it scores)
    METRICS.register(_name, MetricSpec("semantic"))
for _name in INSTANCE_METRICS:
    METRICS.register(_name, MetricSpec("instance"))


def register_metric(name: str, kind: str, compute: Callable[..., float]) -> MetricSpec:
    """Add a metric (a plugin's, e.g. from a `connectomics.metrics` entry point): `compute`
    takes (prediction, gt, threshold) for a "semantic" one, (table, ignore_labels) for an
    "instance" one (see MetricSpec) and returns one float, reported under `name`."""
    if kind not in ("semantic", "instance"):
        raise ValueError(f"metric {name!r}: kind must be 'semantic' or 'instance', got {kind!r}")
    return METRICS.register(name, MetricSpec(kind, compute))  # type: ignore[arg-type]


def split_metrics(metrics: Iterable[str]) -> tuple[list[str], list[str]]:
    """(semantic, instance) names of `metrics`, each checked (ConfigError on an unknown one)."""
    names = check_metric_names(metrics)
    return [n for n in names if METRICS[n].kind == "semantic"], [
        n for n in names if METRICS[n].kind == "instance"
    ]


def check_metric_names(metrics: Iterable[str], kind: str | None = None) -> list[str]:
    """Return `metrics` as a list, raising ConfigError that lists the valid names on an
    unknown one, or on one of another kind than `kind` ("semantic", "instance"; None: any)."""
    names = [metrics] if isinstance(metrics, str) else [str(name) for name in metrics]
    misplaced = [name for name in names if kind and METRICS.lookup(name).kind != kind]
    if misplaced:
        allowed = [name for name in METRICS.names() if METRICS[name].kind == kind]
        raise ConfigError(
            f"metric {misplaced[0]!r} belongs to the other kind of evaluation (semantic: "
            f"{', '.join(SEMANTIC_METRICS)}; instance: {', '.join(INSTANCE_METRICS)}); "
            f"this call takes: {', '.join(allowed)}. Use evaluate() to dispatch on the names"
        )
    for name in names:
        METRICS.lookup(name)
    return names


def plugin_scores(names: Iterable[str], *arguments: object) -> dict[str, float]:
    """The scores of the plugin metrics among `names` (those with a compute function)."""
    return {
        name: float(METRICS[name].compute(*arguments))  # type: ignore[misc]
        for name in names
        if METRICS[name].compute is not None
    }
