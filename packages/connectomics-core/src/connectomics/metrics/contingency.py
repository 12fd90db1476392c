"""Sparse contingency table of two label volumes (the basis of Rand, VOI and matching)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from connectomics.config.schema.inference import EvaluationConfig
from connectomics.metrics.arrays import as_numpy, check_same_shape

# Ground-truth labels left out of Rand, VOI and CREMI unless a call says otherwise (the schema's).
IGNORE_LABELS = tuple(EvaluationConfig().ignore_labels)


@dataclass(frozen=True)
class ContingencyTable:
    """Overlap counts of segments: entry k says `counts[k]` voxels have gt `gt_ids[rows[k]]`
    and seg `seg_ids[cols[k]]`; only non-zero entries are stored."""

    gt_ids: np.ndarray
    seg_ids: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    counts: np.ndarray

    @property
    def total(self) -> int:
        """Number of voxels counted."""
        return int(self.counts.sum())

    def gt_sizes(self) -> np.ndarray:
        """Voxels per ground-truth segment (aligned with `gt_ids`)."""
        return np.bincount(self.rows, weights=self.counts, minlength=len(self.gt_ids))

    def seg_sizes(self) -> np.ndarray:
        """Voxels per predicted segment (aligned with `seg_ids`)."""
        return np.bincount(self.cols, weights=self.counts, minlength=len(self.seg_ids))

    def without_gt(self, labels: Iterable[int]) -> ContingencyTable:
        """The table without the voxels whose ground truth is one of `labels` (skimage's
        `ignore_labels`: only the ground truth side is ignored)."""
        labels = list(labels)
        if not labels:
            return self
        keep = ~np.isin(self.gt_ids, labels)[self.rows]
        return ContingencyTable(
            self.gt_ids, self.seg_ids, self.rows[keep], self.cols[keep], self.counts[keep]
        )


def _dense_ids(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique ids of a flat label array and each voxel's index into them."""
    if labels.dtype.kind in "ui" and labels.size:
        low, high = int(labels.min()), int(labels.max())
        # A lookup table over the value range is O(n) where np.unique sorts (O(n log n)).
        if low >= 0 and high <= 4 * labels.size + 1024:
            present = np.bincount(labels.astype(np.intp, copy=False), minlength=high + 1) > 0
            ids = np.flatnonzero(present)
            lookup = np.zeros(high + 1, dtype=np.int64)
            lookup[ids] = np.arange(len(ids))
            return ids.astype(labels.dtype), lookup[labels]
    ids, inverse = np.unique(labels, return_inverse=True)
    return ids, inverse.reshape(-1).astype(np.int64, copy=False)


def contingency_table(seg: Any, gt: Any) -> ContingencyTable:
    """Count voxels per (gt segment, seg segment) pair of two same-shaped label volumes."""
    seg_arr, gt_arr = as_numpy(seg), as_numpy(gt)
    check_same_shape(seg_arr, gt_arr, ("seg", "gt"))
    for name, array in (("seg", seg_arr), ("gt", gt_arr)):
        if array.dtype.kind not in "uib":
            raise ValueError(
                f"{name} must hold integer labels, got dtype {array.dtype}; "
                "threshold or decode probabilities into a segmentation first"
            )
    gt_ids, gt_index = _dense_ids(gt_arr.reshape(-1))
    seg_ids, seg_index = _dense_ids(seg_arr.reshape(-1))
    n_seg = max(len(seg_ids), 1)
    key = gt_index * n_seg + seg_index
    if len(gt_ids) * n_seg <= 4 * key.size + 1024:
        counts = np.bincount(key, minlength=len(gt_ids) * n_seg)
        pairs = np.flatnonzero(counts)
        counts = counts[pairs]
    else:
        pairs, counts = np.unique(key, return_counts=True)
    return ContingencyTable(gt_ids, seg_ids, pairs // n_seg, pairs % n_seg, counts.astype(np.int64))


def resolve_table(seg: Any, gt: Any, table: ContingencyTable | None) -> ContingencyTable:
    """`table` when given, else the table of `seg` against `gt`."""
    if table is not None:
        return table
    if seg is None or gt is None:
        raise ValueError("pass seg and gt, or a precomputed table=contingency_table(seg, gt)")
    return contingency_table(seg, gt)
