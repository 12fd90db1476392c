"""Reading a box of a lazy volume that may reach beyond its border, padding what lies outside."""

from __future__ import annotations

from typing import Any

import numpy as np

Box = tuple[tuple[int, int], ...]  # (start, stop) per spatial axis


def _source_indices(start: int, stop: int, size: int, mode: str) -> np.ndarray:
    """Indices into [0, size) for virtual coordinates [start, stop) (-1 marks constant padding)."""
    idx = np.arange(start, stop)
    if mode == "replicate":
        return np.clip(idx, 0, size - 1)
    if mode == "reflect":
        if size == 1:
            return np.zeros_like(idx)
        period = 2 * (size - 1)
        idx = np.mod(idx, period)
        return np.where(idx >= size, period - idx, idx)
    return np.where((idx >= 0) & (idx < size), idx, -1)


def read_padded(volume: Any, box: Box, mode: str, channel_axis: bool) -> np.ndarray:
    """Read `box` (spatial, volume coordinates) of `volume` as (C, *box shape).

    Only the part inside the volume is read (one contiguous read); the rest is filled by
    reflection (numpy's "reflect": the edge voxel is not repeated), replication of the edge or
    zeros. `volume` is anything with .shape and numpy-style slicing (numpy, h5py, zarr, Volume).
    """
    spatial = tuple(volume.shape[1:] if channel_axis else volume.shape)
    inside = tuple((max(a, 0), min(b, s)) for (a, b), s in zip(box, spatial))
    if all(lo == a and hi == b for (lo, hi), (a, b) in zip(inside, box)):
        sl = tuple(slice(a, b) for a, b in box)
        data = np.asarray(volume[(slice(None), *sl)] if channel_axis else volume[sl])
        return data if channel_axis else data[None]

    indices = [_source_indices(a, b, s, mode) for (a, b), s in zip(box, spatial)]
    if mode == "constant":
        read = tuple((lo, hi) for lo, hi in inside)
    else:
        read = tuple((int(i.min()), int(i.max()) + 1) for i in indices)
    n_channels = volume.shape[0] if channel_axis else 1
    out_shape = (n_channels, *(b - a for a, b in box))
    if any(hi <= lo for lo, hi in read):  # constant padding of a box entirely outside
        return np.zeros(out_shape, dtype=volume.dtype)
    sl = tuple(slice(lo, hi) for lo, hi in read)
    block = np.asarray(volume[(slice(None), *sl)] if channel_axis else volume[sl])
    if not channel_axis:
        block = block[None]
    if mode == "constant":
        out = np.zeros(out_shape, dtype=block.dtype)
        dest = tuple(slice(lo - a, hi - a) for (lo, hi), (a, _) in zip(read, box))
        out[(slice(None), *dest)] = block
        return out
    for axis, (idx, (lo, hi)) in enumerate(zip(indices, read)):
        if not (idx[0] == lo and idx[-1] == hi - 1 and len(idx) == hi - lo):
            block = np.take(block, idx - lo, axis=axis + 1)
    return block
