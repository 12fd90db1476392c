"""Global window grid and chunk grid: window positions never depend on the chunking."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

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

    def region(self, windows: Sequence[tuple[int, ...]]) -> Box:
        """Bounding box of the given windows (what must be read from the input)."""
        return tuple(
            (min(w[a] for w in windows), max(w[a] for w in windows) + self.window[a])
            for a in range(len(self.window))
        )


def chunk_boxes(shape: Sequence[int], chunk: Sequence[int]) -> list[Box]:
    """Chunk-aligned boxes covering a volume, in C order (index = chunk id)."""
    ranges = [
        [(start, min(start + c, s)) for start in range(0, s, c)] for s, c in zip(shape, chunk)
    ]
    return [tuple(b) for b in itertools.product(*ranges)]
