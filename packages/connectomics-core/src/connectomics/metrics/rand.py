"""Adapted Rand error (SNEMI3D definition) with its precision and recall."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

from connectomics.metrics.contingency import IGNORE_LABELS, ContingencyTable, resolve_table


class RandScores(NamedTuple):
    """Adapted Rand error (1 - F-score), precision (fewer merges) and recall (fewer splits)."""

    error: float
    precision: float
    recall: float


def _ratio(numerator: float, denominator: float) -> float:
    # No pair of voxels shares a segment: nothing can be wrongly joined, score it perfect.
    return 1.0 if denominator == 0 else numerator / denominator


def adapted_rand_error(
    seg: Any = None,
    gt: Any = None,
    *,
    ignore_labels: Iterable[int] = IGNORE_LABELS,
    alpha: float = 0.5,
    table: ContingencyTable | None = None,
) -> RandScores:
    """SNEMI3D adapted Rand error of `seg` against `gt`, as skimage's `adapted_rand_error(gt, seg)`.

    Voxels whose ground truth is in `ignore_labels` are not counted; when that leaves none
    (an empty ground truth) every score is NaN. With pair counts
    t = sum n_ij^2 - N, s = sum_j b_j^2 - N (seg), g = sum_i a_i^2 - N (gt):
    precision = t / s, recall = t / g, error = 1 - t / (alpha * s + (1 - alpha) * g) as in the
    SNEMI3D paper (Arganda-Carreras et al. 2015). skimage computes the same error at alpha=0.5 but
    returns precision and recall swapped relative to its own docs (scikit-image issue #6485): our
    precision is its third value, our recall its second, and our alpha is its 1 - alpha.
    """
    counts_table = resolve_table(seg, gt, table).without_gt(ignore_labels)
    counts = counts_table.counts.astype(np.float64)
    total = counts.sum()
    if total == 0:  # no ground-truth voxel left to score: undefined, not perfect
        return RandScores(float("nan"), float("nan"), float("nan"))
    pairs_both = float(counts @ counts - total)
    gt_sizes, seg_sizes = counts_table.gt_sizes(), counts_table.seg_sizes()
    pairs_gt = float(gt_sizes @ gt_sizes - total)
    pairs_seg = float(seg_sizes @ seg_sizes - total)
    precision = _ratio(pairs_both, pairs_seg)
    recall = _ratio(pairs_both, pairs_gt)
    fscore = _ratio(pairs_both, alpha * pairs_seg + (1.0 - alpha) * pairs_gt)
    return RandScores(1.0 - fscore, precision, recall)
