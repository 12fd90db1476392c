"""Region adjacency graphs: edge statistics summed over blocks, mean-affinity agglomeration."""

from __future__ import annotations

import heapq
from collections.abc import Iterable

import numpy as np


def merge_edges(
    parts: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Edge lists (u, v, sum, count) with repeated (u, v) pairs summed into one."""
    parts = list(parts)
    u = np.concatenate([p[0] for p in parts]).astype(np.int64)
    v = np.concatenate([p[1] for p in parts]).astype(np.int64)
    if not len(u):
        return u, v, np.zeros(0), np.zeros(0, np.int64)
    width = int(max(u.max(), v.max())) + 1
    keys, where = np.unique(u * width + v, return_inverse=True)
    where = where.ravel()
    sums = np.bincount(where, weights=np.concatenate([p[2] for p in parts]), minlength=len(keys))
    counts = np.bincount(where, weights=np.concatenate([p[3] for p in parts]), minlength=len(keys))
    return keys // width, keys % width, sums, counts.astype(np.int64)


def agglomerate_mean_affinity(
    n_ids: int,
    u: np.ndarray,
    v: np.ndarray,
    sums: np.ndarray,
    counts: np.ndarray,
    threshold: float,
) -> np.ndarray:
    """Object of each region 0..n_ids after merging, lowest score first, every pair of regions
    whose score 1 - mean affinity along their whole boundary is below `threshold` (waterz's
    OneMinus<MeanAffinity> agglomeration, on a graph: waterz only takes affinity volumes).

    After each merge the merged region's boundary statistics are the sums of its parts'.
    """
    parent = np.arange(n_ids + 1, dtype=np.int64)
    adjacency: dict[int, dict[int, list[float]]] = {}
    heap = []
    for a, b, s, c in zip(u.tolist(), v.tolist(), sums.tolist(), counts.tolist()):
        stats = [s, c]
        adjacency.setdefault(a, {})[b] = stats
        adjacency.setdefault(b, {})[a] = stats
        if 1.0 - s / c < threshold:
            heap.append((1.0 - s / c, a, b))
    heapq.heapify(heap)
    # Only pairs that may merge are queued: a pair's score changes only when one of its
    # regions merges, and then it is queued again if it fell below the threshold.
    while heap:
        score, a, b = heapq.heappop(heap)
        stats = adjacency.get(a, {}).get(b)
        if stats is None or 1.0 - stats[0] / stats[1] != score:
            continue  # stale: a region merged away or the pair's statistics changed
        if len(adjacency[a]) < len(adjacency[b]):
            a, b = b, a
        parent[b] = a
        del adjacency[a][b]
        for w, other in adjacency.pop(b).items():
            if w == a:
                continue
            del adjacency[w][b]
            current = adjacency[a].get(w)
            if current is None:
                adjacency[a][w] = adjacency[w][a] = current = other
            else:
                current[0] += other[0]
                current[1] += other[1]
            score = 1.0 - current[0] / current[1]
            if score < threshold:
                heapq.heappush(heap, (score, min(a, w), max(a, w)))
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            return parent
        parent = grand
