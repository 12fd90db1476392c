"""CREMI challenge score: geometric mean of total VOI and adapted Rand error."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, NamedTuple

from connectomics.metrics.contingency import IGNORE_LABELS, ContingencyTable, resolve_table
from connectomics.metrics.information import voi
from connectomics.metrics.rand import adapted_rand_error


class CremiScores(NamedTuple):
    """CREMI score with the parts it is made of."""

    cremi: float
    voi_split: float
    voi_merge: float
    adapted_rand: float


def cremi_score(
    seg: Any = None,
    gt: Any = None,
    *,
    ignore_labels: Iterable[int] = IGNORE_LABELS,
    table: ContingencyTable | None = None,
) -> CremiScores:
    """CREMI score sqrt((VOI split + VOI merge) * adapted Rand error); lower is better.

    Both parts ignore voxels whose ground truth is in `ignore_labels` (CREMI ignores background).
    """
    counts_table = resolve_table(seg, gt, table)
    ignore = tuple(ignore_labels)
    information = voi(table=counts_table, ignore_labels=ignore)
    rand = adapted_rand_error(table=counts_table, ignore_labels=ignore)
    score = math.sqrt(max(information.total * rand.error, 0.0))
    return CremiScores(score, information.split, information.merge, rand.error)
