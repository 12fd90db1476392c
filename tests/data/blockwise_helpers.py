"""Helpers of the blockwise tests."""

from __future__ import annotations

import numpy as np


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """True when a and b are the same labelling up to a renaming (0 stays background)."""
    if not np.array_equal(a == 0, b == 0):
        return False
    pairs = np.unique(np.stack([a.ravel(), b.ravel()], axis=1), axis=0)
    return len(pairs) == len(np.unique(pairs[:, 0])) == len(np.unique(pairs[:, 1]))
