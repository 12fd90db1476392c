"""Clean-up applied after every decoder: small-object removal and consecutive ids."""

from __future__ import annotations

import fastremap
import numpy as np


def remove_small_objects(labels: np.ndarray, min_size: int) -> np.ndarray:
    """Labels with every instance of fewer than `min_size` voxels set to 0 (in place)."""
    if min_size <= 1:
        return labels
    ids, counts = fastremap.unique(labels, return_counts=True)
    small = ids[(counts < min_size) & (ids != 0)]
    if len(small):
        labels = fastremap.mask(labels, small, in_place=True)
    return labels


def finalize_labels(labels: np.ndarray, min_size: int = 0) -> np.ndarray:
    """Small instances removed, ids renumbered 1..n (0 stays background), dtype uint32."""
    labels = remove_small_objects(np.ascontiguousarray(labels), int(min_size))
    labels, _ = fastremap.renumber(labels, in_place=True, preserve_zero=True)
    return labels.astype(np.uint32, copy=False)
