"""Instance metrics of volumes larger than memory: a contingency table counted block by block.

Each block's sparse (gt id, seg id, voxel count) table is computed where the block is read;
the tables are summed into the table of the whole volume, from which adapted Rand, VOI, CREMI
and matching AP are computed exactly as in memory (the same table, the same functions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from connectomics.data.blockwise.block_grid import DEFAULT_BLOCK, as_slices
from connectomics.data.blockwise.executor import Engine
from connectomics.data.blockwise.label_pair import PairJob, open_pair
from connectomics.data.blockwise.run_length import run_lengths_blockwise
from connectomics.data.evaluation.instance import instance_scores
from connectomics.data.evaluation.metric_names import (
    DEFAULT_IGNORE,
    DEFAULT_INSTANCE,
    check_metric_names,
)
from connectomics.data.evaluation.run_length import RUN_LENGTH_METRICS, selected_run_lengths
from connectomics.data.io.volume import Volume
from connectomics.metrics import ContingencyTable, contingency_table


def block_counts(block_id: int, job: PairJob) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(gt ids, seg ids, voxel counts) of the label pairs present in one block."""
    region = as_slices(job.grid.boxes[block_id])
    seg = np.asarray(job.seg[(0, *region)] if job.seg_channel else job.seg[region])
    table = contingency_table(seg, np.asarray(job.gt[region]))
    return table.gt_ids[table.rows], table.seg_ids[table.cols], table.counts


def merge_counts(parts: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> ContingencyTable:
    """The contingency table of the union of blocks, from their (gt, seg, count) triples."""
    parts = list(parts)
    gt = np.concatenate([p[0] for p in parts])
    seg = np.concatenate([p[1] for p in parts])
    counts = np.concatenate([p[2] for p in parts]).astype(np.int64)
    gt_ids, rows = np.unique(gt, return_inverse=True)
    seg_ids, cols = np.unique(seg, return_inverse=True)
    n_seg = max(len(seg_ids), 1)
    keys, where = np.unique(rows.ravel() * n_seg + cols.ravel(), return_inverse=True)
    summed = np.bincount(where.ravel(), weights=counts, minlength=len(keys)).astype(np.int64)
    return ContingencyTable(gt_ids, seg_ids, keys // n_seg, keys % n_seg, summed)


def blockwise_contingency(
    seg: str | Path | Volume | np.ndarray,
    gt: str | Path | Volume | np.ndarray,
    block_size: int | Sequence[int] = DEFAULT_BLOCK,
    engine: Engine | None = None,
) -> ContingencyTable:
    """The contingency table of `seg` against `gt`, read block by block (equal to in memory)."""
    job = open_pair(seg, gt, block_size)
    return merge_counts((engine or Engine()).map(block_counts, range(len(job.grid)), {"job": job}))


def evaluate_blockwise(
    seg: str | Path | Volume | np.ndarray,
    gt: str | Path | Volume | np.ndarray,
    metrics: Iterable[str] = DEFAULT_INSTANCE,
    block_size: int | Sequence[int] = DEFAULT_BLOCK,
    engine: Engine | None = None,
    ignore_labels: Iterable[int] = DEFAULT_IGNORE,
    voxel_size: Sequence[float] | None = None,
) -> dict[str, float]:
    """Instance metrics (adapted_rand, voi, cremi, ap, erl, merge_split) of `seg` against
    `gt`, block by block.

    The table metrics equal :func:`connectomics.data.evaluation.evaluate_instances` on the
    whole volumes (memory holds one block of each volume and the table of the volume); erl and
    merge_split come from skeletons thinned block by block (blockwise/run_length.py).
    """
    names = check_metric_names(metrics, "instance")
    skeletal = [n for n in names if n in RUN_LENGTH_METRICS]
    table = blockwise_contingency(seg, gt, block_size, engine)
    results = instance_scores(table, [n for n in names if n not in skeletal], ignore_labels)
    if skeletal:
        scores = run_lengths_blockwise(seg, gt, block_size, engine, voxel_size)
        results.update(selected_run_lengths(scores, skeletal))
    return results
