"""Merging per-block ids into global objects: union-find of id pairs and the final lookup."""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def offsets_of(counts: np.ndarray) -> np.ndarray:
    """Global id offset of each block whose local ids are 1..counts[b] (ids start at 1)."""
    return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)[:-1]]).astype(np.int64)


def merge_pairs(n_ids: int, pairs: np.ndarray) -> np.ndarray:
    """Component of every id 0..n_ids given equal id pairs (N, 2); id 0 stays alone."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])),
        shape=(n_ids + 1, n_ids + 1),
    )
    _, components = connected_components(graph, directed=False)
    return components.astype(np.int64)


def final_lookup(components: np.ndarray, sizes: np.ndarray, min_size: int = 0) -> np.ndarray:
    """uint32 lookup id -> consecutive object id (1..n), 0 for background and small objects.

    `components[i]` is the object of id i (id 0 is background), `sizes[i]` its voxel count.
    """
    object_sizes = np.bincount(components, weights=sizes, minlength=int(components.max()) + 1)
    keep = (object_sizes > 0) & (object_sizes >= max(int(min_size), 1))
    keep[components[0]] = False
    new_ids = np.zeros(len(object_sizes), dtype=np.uint32)
    new_ids[keep] = np.arange(1, int(keep.sum()) + 1, dtype=np.uint32)
    return new_ids[components]


def unique_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The distinct (a, b) pairs where both are non-zero, as an (N, 2) int64 array."""
    both = (a > 0) & (b > 0) & (a != b)
    if not both.any():
        return np.zeros((0, 2), dtype=np.int64)
    stacked = np.stack([a[both], b[both]], axis=1).astype(np.int64)
    return np.unique(stacked, axis=0)
