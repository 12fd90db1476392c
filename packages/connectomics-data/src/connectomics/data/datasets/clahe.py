"""Contrast-limited adaptive histogram equalization (CLAHE) of each section, out of core
(data.normalize="clahe").

EM pipelines equalize each section's local contrast before segmentation. Library CLAHE
(scikit-image's equalize_adapthist) rescales every image it is given by that image's own
range and lays its tiles from the image's corner, so a crop or an inference window would be
equalized differently from the volume it comes from. Here the tiles lie on one grid of the
whole section and intensities are binned by the volume's own 0.5/99.5 percentiles, so any
region reads exactly the values the whole volume would: training crops, validation parts and
sliding windows all see the same rule, and no section is ever read whole.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.io.volume import ArrayVolume, Volume

BINS = 256


def clahe_view(volume: Any, mode: str, clahe: Any, stats: Any = None) -> Any:
    """`volume` (a Volume or an array) equalized by CLAHE when data.normalize is "clahe"
    (`clahe`: a ClaheConfig or (kernel size, clip limit)), else `volume` itself. `stats` (the
    volume's own, with low and high) saves reading them again."""
    if mode != "clahe":
        return volume
    if not isinstance(volume, Volume):
        volume = ArrayVolume(np.asarray(volume))
    kernel, clip = (clahe.kernel_size, clahe.clip_limit) if hasattr(clahe, "kernel_size") else clahe
    values = dict(stats) if stats is not None else {}
    low_high = None if values.get("low") is None else (values["low"], values["high"])
    return ClaheVolume(volume, int(kernel), float(clip), low_high)


class ClaheVolume(Volume):
    """A lazy view of a 2D or 3D single-channel volume with each z-section CLAHE-equalized
    to float32 in [0, 1] (tiles of `kernel_size` pixels, histograms clipped at `clip_limit`
    of a tile's pixels, mappings interpolated bilinearly between tile centres)."""

    def __init__(
        self, base: Volume, kernel_size: int, clip_limit: float, low_high: Any = None
    ) -> None:
        if base.ndim not in (2, 3):
            raise DataError(
                f"data.normalize=clahe equalizes 2D or 3D single-channel images; {base!r} has "
                f"{base.ndim} axes (use another data.normalize for multi-channel images)"
            )
        self.base = base
        self.kernel = int(kernel_size)
        self.clip_limit = float(clip_limit)
        if low_high is None:
            from connectomics.data.datasets.volume_normalize import volume_stats

            stats = volume_stats(base)
            low_high = (stats["low"], stats["high"])
        self.low, self.high = (float(v) for v in low_high)
        self.shape = tuple(base.shape)
        self.dtype = np.dtype(np.float32)
        self.voxel_size = base.voxel_size
        self.path, self.key = base.path, base.key

    def _open(self) -> Volume:
        return self.base

    def _read(self, region: tuple[slice, ...]) -> np.ndarray:
        planar = self.base.ndim == 2
        if planar:
            region = (slice(0, 1), *region)
        z, ys, xs = region
        height, width = self.shape[-2:]
        rows, row_weights, row_tiles = _axis_plan(ys, height, self.kernel)
        cols, col_weights, col_tiles = _axis_plan(xs, width, self.kernel)
        source = (
            slice(row_tiles.start * self.kernel, min(row_tiles.stop * self.kernel, height)),
            slice(col_tiles.start * self.kernel, min(col_tiles.stop * self.kernel, width)),
        )
        base_region = source if planar else (z, *source)
        data = np.asarray(self.base[base_region]).reshape(-1, *_shape(source))
        bins = self.bins(data)
        out = np.empty((len(data), ys.stop - ys.start, xs.stop - xs.start), np.float32)
        y_in = slice(ys.start - source[0].start, ys.stop - source[0].start)
        x_in = slice(xs.start - source[1].start, xs.stop - source[1].start)
        r0, r1 = (rows[0] - row_tiles.start)[:, None], (rows[1] - row_tiles.start)[:, None]
        c0, c1 = (cols[0] - col_tiles.start)[None, :], (cols[1] - col_tiles.start)[None, :]
        wy, wx = row_weights[:, None], col_weights[None, :]
        for i, section in enumerate(bins):
            maps = self.tile_maps(section)  # (tiles y, tiles x, BINS)
            local = section[y_in, x_in]
            top = (1 - wx) * maps[r0, c0, local] + wx * maps[r0, c1, local]
            bottom = (1 - wx) * maps[r1, c0, local] + wx * maps[r1, c1, local]
            out[i] = (1 - wy) * top + wy * bottom
        return out[0] if planar else out

    def bins(self, data: np.ndarray) -> np.ndarray:
        """Intensity bins 0..BINS-1 by the volume's percentiles (the same for every region)."""
        scale = (BINS - 1) / (self.high - self.low if self.high > self.low else 1.0)
        values = (np.asarray(data, np.float64) - self.low) * scale
        return np.clip(np.rint(values), 0, BINS - 1).astype(np.intp)

    def tile_maps(self, section: np.ndarray) -> np.ndarray:
        """Each whole tile's clipped, redistributed cumulative histogram, mapped to [0, 1]."""
        k = self.kernel
        n_rows, n_cols = math.ceil(section.shape[0] / k), math.ceil(section.shape[1] / k)
        maps = np.empty((n_rows, n_cols, BINS), np.float32)
        for r in range(n_rows):
            for c in range(n_cols):
                tile = section[r * k : (r + 1) * k, c * k : (c + 1) * k]
                hist = np.bincount(tile.ravel(), minlength=BINS).astype(np.float64)
                limit = max(1.0, self.clip_limit * tile.size)
                excess = np.maximum(hist - limit, 0).sum()
                hist = np.minimum(hist, limit) + excess / BINS
                cdf = np.cumsum(hist)
                maps[r, c] = cdf / cdf[-1]
        return maps

    def __repr__(self) -> str:
        return f"ClaheVolume({self.base!r}, kernel_size={self.kernel}, clip={self.clip_limit})"


def _shape(box: tuple[slice, slice]) -> tuple[int, int]:
    return box[0].stop - box[0].start, box[1].stop - box[1].start


def _axis_plan(
    span: slice, size: int, kernel: int
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, slice]:
    """For the pixels of `span` along one axis: the two tiles whose centres enclose each pixel,
    the weight of the second, and the range of tiles they need (tiles of the whole axis)."""
    n_tiles = math.ceil(size / kernel)
    centres = np.array(
        [(t * kernel + min((t + 1) * kernel, size)) / 2 for t in range(n_tiles)], np.float64
    )
    pixels = np.arange(span.start, span.stop) + 0.5
    second = np.clip(np.searchsorted(centres, pixels), 0, n_tiles - 1)
    first = np.clip(second - 1, 0, n_tiles - 1)
    gap = centres[second] - centres[first]
    weight = np.where(gap > 0, (pixels - centres[first]) / np.where(gap > 0, gap, 1), 0.0)
    weight = np.clip(weight, 0.0, 1.0).astype(np.float32)
    tiles = slice(int(first.min()), int(second.max()) + 1)
    return (first, second), weight, tiles
