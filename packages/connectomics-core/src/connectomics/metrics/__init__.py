"""Segmentation metrics on numpy arrays and torch tensors."""

from connectomics.config.version import distribution_version
from connectomics.metrics.contingency import ContingencyTable, contingency_table
from connectomics.metrics.cremi import CremiScores, cremi_score
from connectomics.metrics.information import VOIScores, voi
from connectomics.metrics.instances import InstanceMatching, average_precision, match_instances
from connectomics.metrics.overlap import PRF, dice, iou, precision_recall_f1
from connectomics.metrics.rand import RandScores, adapted_rand_error

__version__ = distribution_version("connectomics-core")

__all__ = [
    "PRF",
    "ContingencyTable",
    "CremiScores",
    "InstanceMatching",
    "RandScores",
    "VOIScores",
    "adapted_rand_error",
    "average_precision",
    "contingency_table",
    "cremi_score",
    "dice",
    "iou",
    "match_instances",
    "precision_recall_f1",
    "voi",
]
