"""Expected run length (erl) and skeleton merges/splits of volumes larger than memory.

Each block of the ground truth is thinned with SKELETON_HALO voxels of context beyond it and
keeps the skeleton nodes of its own part, with the segmentation's id at each; the nodes of all
blocks (a small fraction of the voxels) are joined into one skeleton graph and scored exactly
as in memory. Thinning sees each object clipped at the halo's edge, so a skeleton may break
at a block face: the ERL of 16 x 40 x 32 blocks is 2 % below the whole
volume's on the medulla test crop, of 8 x 20 x 24 blocks 10 % (docs: large-volumes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from connectomics.data.blockwise.block_grid import DEFAULT_BLOCK, as_slices
from connectomics.data.blockwise.executor import Engine
from connectomics.data.blockwise.label_pair import PairJob, open_pair
from connectomics.data.evaluation.run_length import (
    scores_at_nodes,
    skeleton_graph,
    skeleton_nodes,
)

# voxels of ground truth read beyond each block so that thinning sees objects past its faces
SKELETON_HALO = 16


@dataclass(frozen=True)
class BlockNodes:
    """The skeleton nodes a block keeps: coordinates, ground-truth and segmentation ids."""

    coords: np.ndarray
    object_ids: np.ndarray
    seg_ids: np.ndarray


def block_nodes(block_id: int, job: PairJob, halo: int) -> BlockNodes:
    """Skeleton nodes inside one block, thinned with `halo` voxels of ground truth around it."""
    box = job.grid.boxes[block_id]
    outer = job.grid.grown(box, halo)
    coords, ids = skeleton_nodes(np.asarray(job.gt[as_slices(outer)]))
    coords = coords + np.array([start for start, _ in outer])
    starts, stops = np.array([b[0] for b in box]), np.array([b[1] for b in box])
    inside = np.all((coords >= starts) & (coords < stops), axis=1)
    coords, ids = coords[inside], ids[inside]
    region = as_slices(box)
    seg = np.asarray(job.seg[(0, *region)] if job.seg_channel else job.seg[region])
    seg_ids = seg[tuple((coords - starts).T)].astype(np.int64)
    return BlockNodes(coords, ids, seg_ids)


def run_lengths_blockwise(
    seg: object,
    gt: object,
    block_size: int | Sequence[int] = DEFAULT_BLOCK,
    engine: Engine | None = None,
    voxel_size: Sequence[float] | None = None,
    halo: int = SKELETON_HALO,
) -> dict[str, float]:
    """erl, erl_normalized, erl_max, skeleton_merges and skeleton_splits of `seg` against the
    skeletons of `gt`, reading both block by block (see run_length_scores for each)."""
    job = open_pair(seg, gt, block_size)
    parts = (engine or Engine()).map(block_nodes, range(len(job.grid)), {"job": job, "halo": halo})
    graph = skeleton_graph(
        np.concatenate([p.coords for p in parts]),
        np.concatenate([p.object_ids for p in parts]),
        voxel_size,
    )
    return scores_at_nodes(np.concatenate([p.seg_ids for p in parts]), graph)
