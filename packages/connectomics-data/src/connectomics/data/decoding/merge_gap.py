"""A label-free agglomeration threshold: the sparsest part of a volume's own merge scores.

Agglomerating a volume to the end merges, in score order, first the fragments of one object
(low scores) and then whole objects across their membranes (high scores). Between the two the
merge scores are rarest, and where they are rarest is a property of the prediction itself, so
it follows a network whose confidence shifts on a new volume, where a threshold tuned on
another volume's validation labels does not (measured: docs/tutorials/neurons.rst).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

# `affinity_waterz(threshold=MERGE_GAP)` chooses the threshold from the volume's merge scores.
MERGE_GAP: Literal["merge_gap"] = "merge_gap"
# Thresholds searched, and the half-width of the window that counts merge scores around each.
SEARCH = (0.25, 0.85, 0.025)
HALF_WINDOW = 0.075


def merge_gap_threshold(scores: np.ndarray) -> float:
    """The searched threshold with the fewest merge `scores` within HALF_WINDOW of it.

    Windows that reach past the last merge are not searched (they are empty because nothing is
    left to merge, not because objects are apart). Ties go to the lowest threshold (a split is
    cheaper to proofread than a merge); with no scores at all, the middle of the search range.
    """
    low, high, step = SEARCH
    candidates = np.round(np.arange(low, high + step / 2, step), 6)
    scores = np.sort(np.asarray(scores, dtype=np.float64).ravel())
    if scores.size == 0:
        return float(candidates[len(candidates) // 2])
    inside = candidates[candidates + HALF_WINDOW <= scores[-1]]
    candidates = inside if inside.size else candidates[:1]
    counts = np.searchsorted(scores, candidates + HALF_WINDOW) - np.searchsorted(
        scores, candidates - HALF_WINDOW
    )
    return float(candidates[int(np.argmin(counts))])
