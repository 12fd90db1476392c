"""`GridChunkDataset`: a volume cut into a chunk grid, each chunk read with a halo."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from torch.utils.data import Dataset

from connectomics.data.datasets.normalize import normalize_image
from connectomics.data.errors import DataError
from connectomics.data.io import Volume, open_volume


class GridChunkDataset(Dataset):
    """Chunks of ``chunk_size`` tiling the volume; item i is ``(padded_chunk, output_region)``.

    ``padded_chunk`` is the output region grown by ``halo`` on every side, read from the
    volume where it exists and padded (``pad_mode``, numpy names) beyond the volume border,
    so it always measures output size + 2 * halo. ``output_region`` are the slices (spatial
    axes) this chunk is responsible for; the regions tile the volume exactly. A 4D volume
    keeps its leading channel axis whole. ``normalize`` ("scale", "zscore", "none") converts
    chunks to float32; None returns them raw.
    """

    def __init__(
        self,
        volume: Volume | str | np.ndarray,
        chunk_size: Sequence[int],
        halo: Sequence[int] | int = 0,
        pad_mode: str = "reflect",
        normalize: str | None = None,
    ) -> None:
        self.volume = open_volume(volume) if not isinstance(volume, Volume) else volume
        self.chunk_size = tuple(int(c) for c in chunk_size)
        spatial = len(self.chunk_size)
        self.lead = self.volume.ndim - spatial
        if self.lead not in (0, 1):
            raise DataError(
                f"chunk_size {self.chunk_size} does not fit volume shape {self.volume.shape}; "
                "give one size per spatial axis"
            )
        self.spatial_shape = tuple(self.volume.shape[self.lead :])
        halo = (halo,) * spatial if isinstance(halo, int) else tuple(int(h) for h in halo)
        if len(halo) != spatial or min(halo) < 0 or min(self.chunk_size) < 1:
            raise DataError(f"halo {halo} / chunk_size {self.chunk_size} are invalid")
        self.halo = halo
        self.pad_mode = pad_mode
        self.normalize = normalize
        starts = [range(0, s, c) for s, c in zip(self.spatial_shape, self.chunk_size)]
        self.regions = [
            tuple(
                slice(o, min(o + c, s))
                for o, c, s in zip(origin, self.chunk_size, self.spatial_shape)
            )
            for origin in itertools.product(*starts)
        ]

    def __len__(self) -> int:
        return len(self.regions)

    def __getitem__(self, index: int) -> tuple[np.ndarray, tuple[slice, ...]]:
        region = self.regions[index]
        read = tuple(
            slice(max(r.start - h, 0), min(r.stop + h, s))
            for r, h, s in zip(region, self.halo, self.spatial_shape)
        )
        data = self.volume[(slice(None),) * self.lead + read]
        pad = [(0, 0)] * self.lead + [
            (h - (r.start - q.start), h - (q.stop - r.stop))
            for r, q, h in zip(region, read, self.halo)
        ]
        if any(before or after for before, after in pad):
            data = np.pad(data, pad, mode=self.pad_mode)
        if self.normalize is not None:
            data = normalize_image(data, self.normalize)
        return data, region

    def inner_region(self, index: int) -> tuple[slice, ...]:
        """Slices of the padded chunk that correspond to its output region."""
        region = self.regions[index]
        return tuple(slice(h, h + r.stop - r.start) for r, h in zip(region, self.halo))
