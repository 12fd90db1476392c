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

# each run-length metric name and the scores it reports
RUN_LENGTH_METRICS: dict[str, tuple[str, ...]] = {
    "erl": ("erl", "erl_normalized", "erl_max"),
    "merge_split": ("skeleton_merges", "skeleton_splits"),
}


def selected_run_lengths(scores: dict[str, float], names: Sequence[str]) -> dict[str, float]:
    """The scores of run_length_scores that the metric `names` (erl, merge_split) report."""
    return {key: scores[key] for name in names for key in RUN_LENGTH_METRICS[name]}


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
    coords, ids = skeleton_nodes(gt)
    return skeleton_graph(coords, ids, voxel_size)


def skeleton_nodes(gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(coords (N, ndim), object ids (N,)) of the skeleton voxels of every object of `gt`; an
    object too small to thin keeps one node at its first voxel."""
    from skimage.morphology import skeletonize

    gt = np.asarray(gt)
    ndim = gt.ndim
    coords: list[np.ndarray] = [np.zeros((0, ndim), np.int64)]
    ids: list[np.ndarray] = [np.zeros(0, np.int64)]
    for obj, box in enumerate(ndimage.find_objects(gt.astype(np.int64, copy=False)), start=1):
        if box is None:
            continue
        mask = gt[box] == obj
        skeleton = skeletonize(np.pad(mask, 1))[(slice(1, -1),) * ndim] > 0
        if not skeleton.any():  # a tiny object: one node at its first voxel
            skeleton = np.zeros_like(mask)
            skeleton[tuple(np.argwhere(mask)[0])] = True
        local = np.argwhere(skeleton) + np.array([b.start for b in box])
        coords.append(local.astype(np.int64))
        ids.append(np.full(len(local), obj, np.int64))
    return np.concatenate(coords), np.concatenate(ids)


def skeleton_graph(
    coords: np.ndarray, ids: np.ndarray, voxel_size: Sequence[float] | None = None
) -> SkeletonGraph:
    """Skeleton nodes joined to their 26- (8-) neighbours of the same object, each edge once,
    weighted by its physical length (found by sorting the nodes, no volume-sized index)."""
    coords, ids = np.asarray(coords, np.int64), np.asarray(ids, np.int64)
    ndim = coords.shape[1]
    spacing = np.ones(ndim) if voxel_size is None else np.asarray(voxel_size, float)
    if not len(coords):
        return SkeletonGraph(coords, ids, np.zeros((0, 2), np.int64), np.zeros(0))
    extent = coords.max(axis=0) + 2  # one spare voxel per axis: a step never wraps around
    keys = np.ravel_multi_index(tuple((coords + 1).T), extent)
    order = np.argsort(keys)
    sorted_keys = keys[order]
    edges, lengths = [], []
    # half of the 3^ndim - 1 neighbour offsets: each edge once
    for step in product((-1, 0, 1), repeat=ndim):
        if step <= (0,) * ndim:
            continue
        step_arr = np.asarray(step)
        target = coords + 1 + step_arr
        inside = np.all((target >= 0) & (target < extent), axis=1)
        src = np.flatnonzero(inside)
        target_keys = np.ravel_multi_index(tuple(target[inside].T), extent)
        where = np.minimum(np.searchsorted(sorted_keys, target_keys), len(keys) - 1)
        found = sorted_keys[where] == target_keys
        src, partner = src[found], order[where[found]]
        same = ids[partner] == ids[src]
        edges.append(np.stack([src[same], partner[same]], 1))
        lengths.append(np.full(int(same.sum()), float(np.linalg.norm(step_arr * spacing))))
    return SkeletonGraph(coords, ids, np.concatenate(edges), np.concatenate(lengths))


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
    return scores_at_nodes(np.asarray(seg)[tuple(graph.coords.T)], graph)


def scores_at_nodes(node_seg: np.ndarray, graph: SkeletonGraph) -> dict[str, float]:
    """The run_length_scores of a segmentation given by its id at every skeleton node."""
    node_seg = np.asarray(node_seg).astype(np.int64)
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
