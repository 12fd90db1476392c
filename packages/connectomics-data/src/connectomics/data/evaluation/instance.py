"""Instance evaluation: adapted Rand, VOI, CREMI score and matching AP."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.evaluation.metric_names import (
    DEFAULT_IGNORE,
    check_metric_names,
    plugin_scores,
)
from connectomics.data.evaluation.run_length import (
    RUN_LENGTH_METRICS,
    run_length_scores,
    selected_run_lengths,
)
from connectomics.data.evaluation.shapes import check_shapes, squeeze_channel
from connectomics.metrics import (
    ContingencyTable,
    adapted_rand_error,
    average_precision,
    contingency_table,
    cremi_score,
    voi,
)
from connectomics.metrics.arrays import as_numpy


class EmptyGroundTruthWarning(UserWarning):
    """The ground truth has no labelled voxel, so instance scores are undefined (NaN)."""


# AP is reported at 0.5 and 0.75 and averaged over 0.50:0.05:0.95 (as COCO averages).
AP_THRESHOLDS = tuple(round(0.5 + 0.05 * k, 2) for k in range(10))


def evaluate_instances(
    seg: Any,
    gt: Any,
    metrics: Iterable[str] = ("adapted_rand", "voi", "ap"),
    ignore_labels: Iterable[int] = DEFAULT_IGNORE,
    voxel_size: Sequence[float] | None = None,
) -> dict[str, float]:
    """Score an instance segmentation against ground-truth instances; flat dict of floats.

    Keys: adapted_rand (+ _precision, _recall), voi_split, voi_merge, voi, cremi, ap50, ap75,
    ap (mean over IoU 0.50:0.95), n_pred_instances, n_gt_instances. Ground-truth voxels labelled
    with `ignore_labels` are left out of adapted Rand, VOI and CREMI; AP never counts label 0
    as an instance. erl (erl, erl_normalized, erl_max) and merge_split (skeleton_merges,
    skeleton_splits) are measured along the ground truth's skeletons, lengths in `voxel_size`
    units (voxels when None).
    """
    names = check_metric_names(metrics, "instance")
    truth = as_numpy(gt)
    segmentation = squeeze_channel(seg, truth.ndim)
    if segmentation.dtype.kind not in "uib":
        raise DataError(
            f"instance metrics need a segmentation of integer labels, got dtype "
            f"{segmentation.dtype}; decode the prediction first (decoding.name, "
            "`connectomics decode`) or ask only for semantic metrics"
        )
    check_shapes(segmentation, truth, "the segmentation")
    table = contingency_table(segmentation, truth)
    skeletal = [n for n in names if n in RUN_LENGTH_METRICS]
    results = instance_scores(table, [n for n in names if n not in skeletal], ignore_labels)
    if skeletal:
        scores = run_length_scores(np.asarray(segmentation), truth, voxel_size)
        results.update(selected_run_lengths(scores, skeletal))
    return results


def instance_scores(
    table: ContingencyTable, metrics: Iterable[str], ignore_labels: Iterable[int] = DEFAULT_IGNORE
) -> dict[str, float]:
    """The instance metrics of `evaluate_instances` from a contingency table (seg vs gt)."""
    names = check_metric_names(metrics, "instance")
    skeletal = [n for n in names if n in RUN_LENGTH_METRICS]
    if skeletal:
        raise DataError(
            f"evaluation.metrics {skeletal} need the volumes (ground-truth skeletons), not only "
            "their contingency table: score them with evaluate_instances, or blockwise with "
            "evaluate_blockwise"
        )
    ignore = tuple(int(label) for label in ignore_labels)
    empty = not np.isin(table.gt_ids, ignore, invert=True).any()
    if empty:
        warnings.warn(
            f"the ground truth holds no labelled voxel (only {sorted(set(ignore))}); adapted "
            "Rand, VOI, CREMI and AP are undefined and reported as NaN: check the label path/key",
            EmptyGroundTruthWarning,
            stacklevel=3,
        )
    results = plugin_scores(names, table, ignore)
    if "adapted_rand" in names:
        rand = adapted_rand_error(table=table, ignore_labels=ignore)
        results["adapted_rand"] = rand.error
        results["adapted_rand_precision"] = rand.precision
        results["adapted_rand_recall"] = rand.recall
    if "voi" in names:
        information = voi(table=table, ignore_labels=ignore)
        results["voi_split"] = information.split
        results["voi_merge"] = information.merge
        results["voi"] = information.total
    if "cremi" in names:
        results["cremi"] = cremi_score(table=table, ignore_labels=ignore).cremi
    if "ap" in names:
        ap = average_precision(table=table, thresholds=AP_THRESHOLDS)
        if empty:
            ap = dict.fromkeys(ap, float("nan"))
        results["ap50"] = ap[0.5]
        results["ap75"] = ap[0.75]
        results["ap"] = float(np.mean(list(ap.values())))
        results["n_pred_instances"] = float(np.count_nonzero(table.seg_ids))
        results["n_gt_instances"] = float(np.count_nonzero(table.gt_ids))
    return {key: float(value) for key, value in results.items()}
