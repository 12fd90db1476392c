"""Blockwise mutex watershed (affinity_mws): exact within each block, stitched across faces.

`mutex_block_labels` is the per-block labeller (the signature of the other LABELLERS: the
(C, *block) prediction first, the decoder's kwargs after, min_size left to the global pass).
Run by `run_labelling`, each block grown by one halo voxel is segmented by the mutex watershed
on its own nearest and long-range affinities; the segments of two blocks that share a voxel
on a face are joined (union-find over the halo pairs), so an object cut by a block face is
one object again. What the whole-volume mutex watershed would split only through long-range
edges that cross a face is not seen inside one block: choose blocks several times larger than
the longest offset.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from connectomics.data.decoding.affinity_mws import mutex_labels


def mutex_block_labels(
    prediction: Any,
    bias: float = 0.5,
    long_range_bias: float = 0.3,
    foreground_threshold: float = 0.5,
    offsets: Sequence[Sequence[int]] | None = None,
    channels: Sequence[int] | None = None,
    strides: Sequence[Sequence[int]] | None = None,
) -> np.ndarray:
    """Mutex-watershed labels of one block (ids as they come; background 0)."""
    return mutex_labels(
        prediction, bias, long_range_bias, foreground_threshold, offsets, channels, strides
    )
