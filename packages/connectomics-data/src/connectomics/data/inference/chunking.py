"""Chunk size of out-of-core prediction derived from the window and the free memory."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from connectomics.data.sizing import available_memory

# Largest chunk, in voxels, derived automatically: big enough that windows are few per border,
# small enough that a chunk of the store stays a convenient unit to read back (64 MiB float32).
MAX_AUTO_VOXELS = 1 << 24


def auto_chunk_size(
    shape: Sequence[int],
    window: Sequence[int],
    in_channels: int,
    out_channels: int,
    memory_bytes: int | None = None,
) -> tuple[int, ...]:
    """A chunk (one size per spatial axis) for `shape` whose working memory fits.

    One chunk costs about 4 bytes x (input + output + blending weight) channels per voxel of
    the chunk grown by a window on each side; it is kept under a quarter of `memory_bytes`
    (default: the available memory) and MAX_AUTO_VOXELS. The largest axis, counted in windows,
    is halved until it fits; no axis drops below its window (or the volume, if smaller).
    """
    memory = available_memory() if memory_bytes is None else int(memory_bytes)
    per_voxel = 4 * (int(in_channels) + int(out_channels) + 1)
    floor = [min(int(w), int(s)) for w, s in zip(window, shape)]
    chunk = [int(s) for s in shape]

    def cost(c: Sequence[int]) -> int:
        return int(np.prod([x + 2 * w for x, w in zip(c, window)])) * per_voxel

    while cost(chunk) > memory // 4 or int(np.prod(chunk)) > MAX_AUTO_VOXELS:
        ratios = [c / f if c > f else 0.0 for c, f in zip(chunk, floor)]
        axis = int(np.argmax(ratios))
        if ratios[axis] == 0.0:
            break  # one window per axis: nothing smaller is useful
        chunk[axis] = max(floor[axis], -(-chunk[axis] // 2))
    return tuple(chunk)
