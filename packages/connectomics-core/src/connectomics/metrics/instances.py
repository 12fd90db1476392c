"""Instance matching by IoU and average precision at IoU thresholds (MitoEM-style AP-50/75)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from connectomics.metrics.contingency import ContingencyTable, resolve_table


@dataclass(frozen=True)
class InstanceMatching:
    """One-to-one matches of predicted to ground-truth instances at one IoU threshold."""

    threshold: float
    gt_ids: np.ndarray
    seg_ids: np.ndarray
    ious: np.ndarray
    n_gt: int
    n_pred: int

    @property
    def tp(self) -> int:
        """Matched pairs."""
        return len(self.ious)

    @property
    def fp(self) -> int:
        """Predicted instances without a match."""
        return self.n_pred - self.tp

    @property
    def fn(self) -> int:
        """Ground-truth instances without a match."""
        return self.n_gt - self.tp

    @property
    def average_precision(self) -> float:
        """TP / (TP + FP + FN); 1 when both sides have no instances."""
        denominator = self.tp + self.fp + self.fn
        return 1.0 if denominator == 0 else self.tp / denominator


def _pair_ious(table: ContingencyTable) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """IoU of every overlapping (gt, seg) instance pair, label 0 (background) excluded."""
    gt_sizes, seg_sizes = table.gt_sizes(), table.seg_sizes()
    gt_fg, seg_fg = table.gt_ids != 0, table.seg_ids != 0
    keep = gt_fg[table.rows] & seg_fg[table.cols]
    rows, cols = table.rows[keep], table.cols[keep]
    inter = table.counts[keep].astype(np.float64)
    union = gt_sizes[rows] + seg_sizes[cols] - inter
    return rows, cols, inter / union, int(gt_fg.sum()), int(seg_fg.sum())


def match_instances(
    seg: Any = None,
    gt: Any = None,
    *,
    iou_threshold: float = 0.5,
    table: ContingencyTable | None = None,
) -> InstanceMatching:
    """Match instances (non-zero labels) of `seg` to `gt` one to one with IoU >= threshold.

    Pairs are taken greedily by decreasing IoU; above 0.5 a match is unique anyway, so the
    greedy result equals the optimal assignment there.
    """
    counts_table = resolve_table(seg, gt, table)
    rows, cols, ious, n_gt, n_pred = _pair_ious(counts_table)
    candidates = np.flatnonzero(ious >= iou_threshold)
    candidates = candidates[np.argsort(-ious[candidates], kind="stable")]
    # Above 0.5 each instance has at most one candidate; below it several compete.
    chosen = candidates if iou_threshold > 0.5 else _greedy(rows, cols, candidates)
    return InstanceMatching(
        float(iou_threshold),
        counts_table.gt_ids[rows[chosen]],
        counts_table.seg_ids[cols[chosen]],
        ious[chosen],
        n_gt,
        n_pred,
    )


def _greedy(rows: np.ndarray, cols: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Greedy one-to-one selection over candidate pairs sorted by decreasing IoU."""
    # Loop over candidate pairs (at most #instances^2 overlapping pairs), never over voxels.
    used_gt: set[int] = set()
    used_seg: set[int] = set()
    chosen = []
    for k in order.tolist():
        r, c = int(rows[k]), int(cols[k])
        if r not in used_gt and c not in used_seg:
            used_gt.add(r)
            used_seg.add(c)
            chosen.append(k)
    return np.asarray(chosen, dtype=np.int64)


def average_precision(
    seg: Any = None,
    gt: Any = None,
    *,
    thresholds: Iterable[float] = (0.5, 0.75),
    table: ContingencyTable | None = None,
) -> dict[float, float]:
    """AP per IoU threshold, defined as TP / (TP + FP + FN) of the one-to-one matching
    (the DSB2018 / StarDist definition; segmentations carry no confidence to rank by)."""
    counts_table = resolve_table(seg, gt, table)
    return {
        float(t): match_instances(table=counts_table, iou_threshold=t).average_precision
        for t in thresholds
    }
