"""OME-Zarr (NGFF) outputs: a multiscale pyramid built block by block, metadata by `ome-zarr`.

An output path ending in ``.ome.zarr`` is written as an OME-Zarr image: full resolution in the
array "0" of the root group, each further level "1", "2", ... downsampled from the one before
(mean for intensities and predictions, mode for labels), and the root's `multiscales` record
giving every level's voxel size (nm) as its scale transform. A segmentation also carries the
`image-label` record, so viewers open it as labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from connectomics.data.errors import DataError

OME_SUFFIX = ".ome.zarr"
LEVEL0 = "0"
# a pyramid stops once every spatial axis of its coarsest level fits in this many voxels
MIN_LEVEL_SIZE = 64
MAX_LEVELS = 8
KINDS = ("image", "segmentation")


def layer_kind(dtype: Any) -> str:
    """ "image" for uint8 and floating point data, "segmentation" for other integer ids."""
    dtype = np.dtype(dtype)
    if dtype == np.uint8 or np.issubdtype(dtype, np.floating) or dtype == np.bool_:
        return "image"
    if np.issubdtype(dtype, np.integer):
        return "segmentation"
    raise DataError(f"cannot export {dtype} data as precomputed; give numbers or integer ids")


def is_ome_zarr(path: str | Path) -> bool:
    """True when `path` (without a ":key") names an OME-Zarr output: it ends in ``.ome.zarr``."""
    return str(path).rstrip("/").lower().endswith(OME_SUFFIX)


def downsample_factors(
    shape: Sequence[int], voxel_size: Sequence[float] | None
) -> list[tuple[int, ...]]:
    """Per level after the first, the factor (1 or 2) of each spatial axis.

    An axis is halved while its voxels are under twice the finest current voxel size (so an
    anisotropic z is kept until x and y catch up) and while it is longer than MIN_LEVEL_SIZE.
    """
    size = [float(v) for v in voxel_size] if voxel_size is not None else [1.0] * len(shape)
    shape = [int(s) for s in shape]
    levels: list[tuple[int, ...]] = []
    while len(levels) < MAX_LEVELS - 1 and max(shape) > MIN_LEVEL_SIZE:
        finest = min(s for s, n in zip(size, shape, strict=True) if n > 1)
        factors = tuple(
            2 if n >= 2 and s < 2 * finest and n > MIN_LEVEL_SIZE // 2 else 1
            for s, n in zip(size, shape, strict=True)
        )
        if max(factors) == 1:
            break
        levels.append(factors)
        shape = [n // f for n, f in zip(shape, factors, strict=True)]
        size = [s * f for s, f in zip(size, factors, strict=True)]
    return levels


def window_mode(windows: np.ndarray, axis: tuple[int, ...] | None = None) -> np.ndarray:
    """The most frequent value of each window (the smallest on ties), as `dask.coarsen` calls it:
    `windows` has each window spread over the axes `axis` (None: dask probing the dtype)."""
    if axis is None:
        return windows
    moved = np.moveaxis(windows, axis, tuple(range(-len(axis), 0)))
    flat = np.sort(moved.reshape(*moved.shape[: -len(axis)], -1), axis=-1)
    counts = (flat[..., :, None] == flat[..., None, :]).sum(axis=-1)
    pick = np.argmax(counts, axis=-1)  # first of the sorted values with the highest count
    return np.take_along_axis(flat, pick[..., None], axis=-1)[..., 0]


def window_mean(windows: np.ndarray, axis: tuple[int, ...] | None = None) -> np.ndarray:
    """The mean of each window, in the array's dtype (rounded for integers)."""
    if axis is None:
        return windows
    mean = windows.mean(axis=axis, dtype=np.float64)
    if np.issubdtype(windows.dtype, np.integer):
        mean = np.rint(mean)
    return mean.astype(windows.dtype)


def _axes(ndim: int, voxel_size: Sequence[float] | None) -> list[dict[str, str]]:
    """NGFF axes: a leading channel axis for 4D arrays, then z, y, x (nanometers when known)."""
    spatial = [{"name": n, "type": "space"} for n in "zyx"[3 - min(ndim, 3) :]]
    if voxel_size is not None:
        for axis in spatial:
            axis["unit"] = "nanometer"
    channel = [{"name": "c", "type": "channel"}] if ndim == 4 else []
    return channel + spatial


def build_pyramid(
    path: str | Path,
    voxel_size: Sequence[float] | None,
    labels: bool,
    name: str | None = None,
) -> int:
    """Add the downsampled levels and the multiscales record to the OME-Zarr group at `path`,
    whose array "0" holds the full resolution; returns the number of levels.

    Each level is computed by dask from the level below as stored, chunk by chunk, so memory
    stays bounded by a few chunks whatever the volume size.
    """
    import dask.array as da
    import zarr
    from ome_zarr.format import CurrentFormat
    from ome_zarr.writer import add_metadata, write_multiscales_metadata

    group = zarr.open_group(str(path), mode="r+")
    base = group[LEVEL0]
    lead = base.ndim - 3 if base.ndim >= 3 else 0
    spatial = tuple(base.shape[lead:])
    if voxel_size is not None and len(voxel_size) != len(spatial):
        raise DataError(f"voxel size {list(voxel_size)} does not match {len(spatial)} axes")
    reduce = window_mode if labels else window_mean
    scale = [float(v) for v in voxel_size] if voxel_size is not None else [1.0] * len(spatial)
    datasets = [_dataset(LEVEL0, lead, scale)]
    source = base
    for level, factors in enumerate(downsample_factors(spatial, voxel_size), start=1):
        lazy = da.from_zarr(source)
        coarse = da.coarsen(
            reduce, lazy, {lead + i: f for i, f in enumerate(factors)}, trim_excess=True
        )
        chunks = tuple(min(c, n) for c, n in zip(base.chunks, coarse.shape, strict=True))
        target = group.create_array(
            str(level), shape=coarse.shape, chunks=chunks, dtype=base.dtype, overwrite=True
        )
        da.store(coarse.rechunk(chunks), target, lock=False)
        scale = [s * f for s, f in zip(scale, factors, strict=True)]
        datasets.append(_dataset(str(level), lead, scale))
        source = target
    fmt = CurrentFormat()
    axes = _axes(base.ndim, voxel_size)
    write_multiscales_metadata(group, datasets, fmt=fmt, axes=axes, name=name or Path(path).stem)
    if labels:
        add_metadata(group, {"image-label": {"version": fmt.version}}, fmt=fmt)
    return len(datasets)


def _dataset(path: str, lead: int, scale: Sequence[float]) -> dict[str, Any]:
    """One multiscales dataset: its array path and scale (1 on a channel axis)."""
    return {
        "path": path,
        "coordinateTransformations": [{"type": "scale", "scale": [1.0] * lead + list(scale)}],
    }
