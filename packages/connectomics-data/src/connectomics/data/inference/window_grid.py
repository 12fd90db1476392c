"""Global window grid and chunk grid: window positions never depend on the chunking."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from connectomics.data.io.padded_read import Box


def axis_starts(size: int, window: int, overlap: float, border: int = 0) -> list[int]:
    """Window starts along one axis, in volume coordinates (may be negative: padded context).

    The virtual extent is [-border, size + border). Windows step by window * (1 - overlap) from
    its start; the last one is aligned to its end. An extent smaller than the window gets one
    window centred on it (padded on both sides).
    """
    lo, extent = -border, size + 2 * border
    if extent <= window:
        return [lo - (window - extent) // 2]
    stride = max(1, int(window * (1.0 - overlap)))
    starts = list(range(lo, lo + extent - window, stride))
    last = lo + extent - window
    if not starts or starts[-1] != last:
        starts.append(last)
    return starts


@dataclass(frozen=True)
class WindowGrid:
    """The windows of a whole volume: per-axis starts whose Cartesian product is the grid."""

    shape: tuple[int, ...]
    window: tuple[int, ...]
    starts: tuple[tuple[int, ...], ...]

    @classmethod
    def build(
        cls,
        shape: Sequence[int],
        window: Sequence[int],
        overlap: Sequence[float],
        border: Sequence[int],
    ) -> WindowGrid:
        """Grid over a volume of spatial `shape`."""
        starts = tuple(
            tuple(axis_starts(s, w, o, b)) for s, w, o, b in zip(shape, window, overlap, border)
        )
        return cls(tuple(int(s) for s in shape), tuple(int(w) for w in window), starts)

    def __len__(self) -> int:
        n = 1
        for axis in self.starts:
            n *= len(axis)
        return n

    def windows_touching(self, box: Box) -> list[tuple[int, ...]]:
        """Starts of every global window that intersects `box`, in grid (C) order."""
        per_axis = [
            [s for s in starts if s < stop and s + w > start]
            for starts, w, (start, stop) in zip(self.starts, self.window, box)
        ]
        return list(itertools.product(*per_axis))

    def flat_index(self, start: Sequence[int]) -> int:
        """Position of the window at `start` in the grid's C order."""
        index = 0
        for axis, s in zip(self.starts, start):
            index = index * len(axis) + axis.index(s)
        return index

    def windows_at(self, indices: Iterable[int]) -> list[tuple[int, ...]]:
        """Starts of the windows at the given C-order positions."""
        counts = [len(axis) for axis in self.starts]
        out = []
        for index in indices:
            position = np.unravel_index(int(index), counts)
            out.append(tuple(int(axis[p]) for axis, p in zip(self.starts, position)))
        return out


def chunk_boxes(shape: Sequence[int], chunk: Sequence[int]) -> list[Box]:
    """Chunk-aligned boxes covering a volume, in C order (index = chunk id)."""
    ranges = [
        [(start, min(start + c, s)) for start in range(0, s, c)] for s, c in zip(shape, chunk)
    ]
    return [tuple(b) for b in itertools.product(*ranges)]
