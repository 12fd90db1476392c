"""Variation of information (split and merge conditional entropies, in bits)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

from connectomics.metrics.contingency import ContingencyTable, resolve_table


class VOIScores(NamedTuple):
    """VOI split H(seg|gt) (over-segmentation) and merge H(gt|seg) (under-segmentation)."""

    split: float
    merge: float

    @property
    def total(self) -> float:
        """split + merge."""
        return self.split + self.merge


def voi(
    seg: Any = None,
    gt: Any = None,
    *,
    ignore_labels: Iterable[int] = (),
    table: ContingencyTable | None = None,
) -> VOIScores:
    """Variation of information of `seg` against `gt` in bits, as skimage's
    `variation_of_information(gt, seg, ignore_labels=...)` (which returns [split, merge])."""
    counts_table = resolve_table(seg, gt, table).without_gt(ignore_labels)
    counts = counts_table.counts.astype(np.float64)
    total = counts.sum()
    if total == 0:  # no ground-truth voxel left to score: undefined, not perfect
        return VOIScores(float("nan"), float("nan"))
    joint = counts / total
    gt_p = counts_table.gt_sizes()[counts_table.rows] / total
    seg_p = counts_table.seg_sizes()[counts_table.cols] / total
    split = float(-(joint * np.log2(joint / gt_p)).sum())
    merge = float(-(joint * np.log2(joint / seg_p)).sum())
    # Rounding can leave -0.0 or -1e-17 for a perfect match; "+ 0.0" turns -0.0 into 0.0.
    return VOIScores(max(split, 0.0) + 0.0, max(merge, 0.0) + 0.0)
