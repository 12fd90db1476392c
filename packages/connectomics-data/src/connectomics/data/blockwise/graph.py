"""Region adjacency graphs: edge statistics summed over blocks, mean-affinity agglomeration."""

from __future__ import annotations

import heapq
from collections.abc import Iterable

import numpy as np

# below this many merges per remaining edge in a round, the rest is merged from a heap
ROUND_MERGES = 0.01


def merge_edges(
    parts: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Edge lists (u, v, sum, count) with repeated (u, v) pairs summed into one."""
    parts = list(parts)
    return sum_edges(*(np.concatenate([p[i] for p in parts]) for i in range(4)))


def sum_edges(
    u: np.ndarray, v: np.ndarray, sums: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One edge list (u, v, sum, count) with repeated (u, v) pairs summed, sorted by (u, v)."""
    u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
    if not len(u):
        return u, v, np.zeros(0), np.zeros(0, np.int64)
    width = int(max(u.max(), v.max())) + 1
    keys, where = np.unique(u * width + v, return_inverse=True)
    where = where.ravel()
    sums = np.bincount(where, weights=sums, minlength=len(keys))
    counts = np.bincount(where, weights=counts, minlength=len(keys))
    return keys // width, keys % width, sums, counts.astype(np.int64)


def agglomerate_mean_affinity(
    n_ids: int,
    u: np.ndarray,
    v: np.ndarray,
    sums: np.ndarray,
    counts: np.ndarray,
    threshold: float,
    scores: list[float] | None = None,
) -> np.ndarray:
    """Object of each region 0..n_ids after merging, lowest score first, every pair of regions
    whose score 1 - mean affinity along their whole boundary is below `threshold` (waterz's
    OneMinus<MeanAffinity> agglomeration, on a graph: waterz only takes affinity volumes).

    After each merge the merged region's boundary statistics are the sums of its parts'. The
    score of a merged region to a neighbour is a weighted mean of its parts' scores, so never
    below the smaller one (a reducible linkage): merging every pair of regions that are each
    other's lowest-scoring neighbour at once gives the same merges as one merge at a time. The
    graph stays four numpy arrays (about 32 bytes per edge); each round drops the edges of
    regions that can no longer merge. When a round merges few pairs (a large region taking its
    neighbours one at a time), the rest of the graph is merged one pair at a time from a heap.
    The score of every merge is appended to `scores` when given (merge_gap reads them).
    """
    parent = np.arange(n_ids + 1, dtype=np.int64)
    u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
    sums, counts = np.asarray(sums, dtype=np.float64), np.asarray(counts, dtype=np.float64)
    while len(u):
        score = 1.0 - sums / counts
        below = score < threshold
        if not below.any():
            break
        # a region without an edge below the threshold never gets one (merged scores are
        # means of its own edges' scores): edges between two such regions are dropped
        active = np.zeros(n_ids + 1, dtype=bool)
        active[u[below]] = active[v[below]] = True
        keep = active[u] | active[v]
        u, v, sums, counts, score, below = (x[keep] for x in (u, v, sums, counts, score, below))
        pairs = _mutual_best(n_ids, u, v, score, below)
        if len(pairs) < ROUND_MERGES * len(u):
            _merge_from_heap(parent, u, v, sums, counts, threshold, scores)
            break
        parent[v[pairs]] = u[pairs]
        if scores is not None:
            scores.extend(score[pairs].tolist())
        # only edges of merged regions change: they are renamed and summed per region pair
        merged = np.zeros(n_ids + 1, dtype=bool)
        merged[u[pairs]] = merged[v[pairs]] = True
        touched = merged[u] | merged[v]
        a, b = parent[u[touched]], parent[v[touched]]
        loop = a == b  # the merged pairs' own edges
        a, b, tsums, tcounts = sum_edges(
            np.minimum(a, b)[~loop],
            np.maximum(a, b)[~loop],
            sums[touched][~loop],
            counts[touched][~loop],
        )
        u = np.concatenate([u[~touched], a])
        v = np.concatenate([v[~touched], b])
        sums = np.concatenate([sums[~touched], tsums])
        counts = np.concatenate([counts[~touched], tcounts.astype(np.float64)])
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            return parent
        parent = grand


def _merge_from_heap(
    parent: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    sums: np.ndarray,
    counts: np.ndarray,
    threshold: float,
    scores: list[float] | None = None,
) -> None:
    """Merge the graph of regions (roots of `parent`) one lowest-scoring pair at a time,
    recording each merge in `parent` (and its score in `scores`)."""
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
        if scores is not None:
            scores.append(score)
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


def _mutual_best(
    n_ids: int, u: np.ndarray, v: np.ndarray, score: np.ndarray, below: np.ndarray
) -> np.ndarray:
    """Indices of the edges below the threshold that are the lowest-scoring edge of both their
    regions (ties broken by position, so the lowest edge overall is always one)."""
    candidates = np.flatnonzero(below)
    order = candidates[np.argsort(score[candidates], kind="stable")]
    rank = np.arange(len(order))
    best = np.full(n_ids + 1, len(order))  # rank of each region's lowest edge
    np.minimum.at(best, u[order], rank)
    np.minimum.at(best, v[order], rank)
    return order[(best[u[order]] == rank) & (best[v[order]] == rank)]
