"""Expected run length (ERL) of a segmentation along ground-truth skeletons, with skeleton
merge and split counts (the figures neuron-reconstruction papers report besides Rand and VOI).

Each ground-truth object is skeletonized (scikit-image's 3D thinning, Lee et al. 1994) and its
skeleton voxels joined to their 26-neighbours into a graph whose edges weigh their physical
length. An edge is correct when both ends lie in the same predicted segment and that segment
holds skeleton nodes of no other object (a merged segment makes every edge in it wrong). The
correct edges of a skeleton form runs; ERL = sum over runs of length^2 / total skeleton length,
the run length a point drawn uniformly on the skeletons expects (Januszewski et al. 2018).
The normalized ERL divides it by the perfect segmentation's, sum_s L_s^2 / sum_s L_s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

RUN_LENGTH_METRICS = ("erl", "merge_split")


@dataclass(frozen=True)
class SkeletonGraph:
    """Skeleton nodes (voxel coordinates, object id) and edges with physical lengths."""

    coords: np.ndarray  # (N, ndim) int
    object_ids: np.ndarray  # (N,) ground-truth id of each node
    edges: np.ndarray  # (E, 2) node indices
    lengths: np.ndarray  # (E,) physical length of each edge

    def object_lengths(self) -> dict[int, float]:
        """Total skeleton length of every object (objects without an edge: 0)."""
        ids = self.object_ids[self.edges[:, 0]] if len(self.edges) else np.zeros(0, np.int64)
        totals = {int(i): 0.0 for i in np.unique(self.object_ids)}
        for obj, length in zip(ids, self.lengths):
            totals[int(obj)] += float(length)
        return totals


def skeletonize_labels(gt: np.ndarray, voxel_size: Sequence[float] | None = None) -> SkeletonGraph:
    """The skeleton graph of every non-zero object of `gt` (2D or 3D)."""
    from skimage.morphology import skeletonize

    gt = np.asarray(gt)
    ndim = gt.ndim
    spacing = np.ones(ndim) if voxel_size is None else np.asarray(voxel_size, float)
    node_index = np.full(gt.shape, -1, np.int64)
    coords: list[np.ndarray] = []
    ids: list[np.ndarray] = []
    count = 0
    for obj, box in enumerate(ndimage.find_objects(gt.astype(np.int64, copy=False)), start=1):
        if box is None:
            continue
        mask = gt[box] == obj
        skeleton = skeletonize(np.pad(mask, 1))[(slice(1, -1),) * ndim] > 0
        if not skeleton.any():  # a tiny object: one node at its first voxel
            skeleton = np.zeros_like(mask)
            skeleton[tuple(np.argwhere(mask)[0])] = True
        local = np.argwhere(skeleton) + np.array([b.start for b in box])
        node_index[tuple(local.T)] = np.arange(count, count + len(local))
        coords.append(local)
        ids.append(np.full(len(local), obj, np.int64))
        count += len(local)
    if not coords:
        empty = np.zeros((0, ndim), np.int64)
        return SkeletonGraph(empty, np.zeros(0, np.int64), np.zeros((0, 2), np.int64), np.zeros(0))
    all_coords, all_ids = np.concatenate(coords), np.concatenate(ids)
    edges, lengths = [], []
    # half of the 3^ndim - 1 neighbour offsets: each edge once
    for step in product((-1, 0, 1), repeat=ndim):
        if step <= (0,) * ndim:
            continue
        step_arr = np.asarray(step)
        target = all_coords + step_arr
        inside = np.all((target >= 0) & (target < gt.shape), axis=1)
        partner = np.full(len(all_coords), -1, np.int64)
        partner[inside] = node_index[tuple(target[inside].T)]
        keep = partner >= 0
        keep[keep] &= all_ids[partner[keep]] == all_ids[keep]
        src = np.nonzero(keep)[0]
        edges.append(np.stack([src, partner[keep]], 1))
        lengths.append(np.full(len(src), float(np.linalg.norm(step_arr * spacing))))
    return SkeletonGraph(all_coords, all_ids, np.concatenate(edges), np.concatenate(lengths))


def run_length_scores(
    seg: np.ndarray,
    gt: np.ndarray,
    voxel_size: Sequence[float] | None = None,
    skeletons: SkeletonGraph | None = None,
) -> dict[str, float]:
    """erl, erl_normalized, erl_max (the perfect segmentation's), skeleton_merges (extra
    objects per merged segment, summed) and skeleton_splits (skeleton edges cut between two
    non-zero segments, or into background) of `seg` against `gt`'s skeletons."""
    graph = skeletons if skeletons is not None else skeletonize_labels(gt, voxel_size)
    seg = np.asarray(seg)
    node_seg = seg[tuple(graph.coords.T)].astype(np.int64)
    pairs = np.unique(np.stack([node_seg, graph.object_ids], 1)[node_seg > 0], axis=0)
    segs, per_seg = np.unique(pairs[:, 0], return_counts=True) if len(pairs) else ([], [])
    merged_segs = np.asarray(segs)[np.asarray(per_seg) > 1]
    merges = int(np.sum(np.asarray(per_seg) - 1)) if len(pairs) else 0
    a, b = graph.edges[:, 0], graph.edges[:, 1]
    same = (node_seg[a] == node_seg[b]) & (node_seg[a] > 0)
    correct = same & ~np.isin(node_seg[a], merged_segs)
    splits = int(np.count_nonzero(~same))
    n = len(node_seg)
    runs = coo_matrix((np.ones(int(correct.sum())), (a[correct], b[correct])), shape=(n, n))
    _, component = connected_components(runs, directed=False)
    run_lengths = np.bincount(
        component[a[correct]],
        weights=graph.lengths[correct],
        minlength=int(component.max()) + 1 if n else 0,
    )
    total = float(graph.lengths.sum())
    objects = np.array(list(graph.object_lengths().values()))
    erl_max = float((objects**2).sum() / total) if total > 0 else float("nan")
    erl = float((run_lengths**2).sum() / total) if total > 0 else float("nan")
    return {
        "erl": erl,
        "erl_normalized": erl / erl_max if total > 0 else float("nan"),
        "erl_max": erl_max,
        "skeleton_merges": float(merges),
        "skeleton_splits": float(splits),
    }
