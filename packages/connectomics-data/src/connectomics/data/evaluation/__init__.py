"""Evaluation of predictions and segmentations against ground truth."""

from connectomics.data.evaluation.dispatch import default_metrics, evaluate
from connectomics.data.evaluation.instance import AP_THRESHOLDS, evaluate_instances
from connectomics.data.evaluation.metric_names import (
    ALL_METRICS,
    INSTANCE_METRICS,
    SEMANTIC_METRICS,
    check_metric_names,
    register_metric,
    split_metrics,
)
from connectomics.data.evaluation.report import format_report, write_report
from connectomics.data.evaluation.semantic import evaluate_semantic

__all__ = [
    "ALL_METRICS",
    "AP_THRESHOLDS",
    "INSTANCE_METRICS",
    "SEMANTIC_METRICS",
    "check_metric_names",
    "default_metrics",
    "evaluate",
    "evaluate_instances",
    "evaluate_semantic",
    "format_report",
    "register_metric",
    "split_metrics",
    "write_report",
]
