"""Lazy Zarr volumes (zarr v2 and v3 formats)."""

from __future__ import annotations

from typing import Any

import numpy as np
import zarr

from connectomics.data.errors import DataError
from connectomics.data.io.hdf5 import read_voxel_size
from connectomics.data.io.volume import Volume, check_dtype, check_ndim, clean_voxel_size


def list_arrays(group: zarr.Group) -> list[str]:
    """Paths of every array below ``group``."""
    return sorted(name for name, _ in group.arrays()) + sorted(
        f"{name}/{sub}" for name, child in group.groups() for sub in list_arrays(child)
    )


def unreadable_store(path: str, error: Exception) -> DataError:
    """The error of a store zarr cannot open (bad JSON metadata, wrong fields, not zarr)."""
    text = " ".join(str(error).split()) or type(error).__name__
    return DataError(
        f"cannot read zarr store {path!r} (corrupt metadata or not zarr: {text}); repair its "
        "zarr.json (.zarray/.zgroup for zarr v2) or rewrite the store"
    )


def open_zarr_array(path: str, key: str | None, mode: str = "r") -> zarr.Array:
    """Open the array at ``path`` (optionally ``key`` inside a group); errors list the keys."""
    try:
        node = zarr.open(store=path, mode=mode)
    except Exception as error:  # zarr raises many types for unreadable stores
        raise unreadable_store(path, error) from None
    if isinstance(node, zarr.Array):
        if key not in (None, ""):
            raise DataError(f"{path!r} is a single zarr array; drop the key {key!r}")
        return node
    if key in (None, "") and (level0 := ngff_level0(node)) is not None:
        return node[level0]
    names = list_arrays(node)
    if key is None:
        if len(names) != 1:
            raise DataError(
                f"{path!r} holds {len(names)} arrays {names}; choose one with a key, "
                f"e.g. '{path}:{names[0] if names else 'raw'}'"
            )
        key = names[0]
    try:
        array = node[key.strip("/")]
    except KeyError:
        array = None
    if not isinstance(array, zarr.Array):
        raise DataError(
            f"array {key!r} not found in {path!r}; keys present: {names}. "
            "Set the right key or use 'store.zarr:key'"
        )
    return array


def ngff_multiscales(attrs: Any) -> list[dict]:
    """The OME-Zarr `multiscales` records of a group's attributes (v0.4 top level, v0.5 `ome`)."""
    attrs = dict(attrs)
    return list(attrs.get("multiscales") or dict(attrs.get("ome") or {}).get("multiscales") or [])


def ngff_level0(group: zarr.Group) -> str | None:
    """Path of the full-resolution array of an OME-Zarr image group, or None if not one."""
    for scale in ngff_multiscales(group.attrs):
        datasets = scale.get("datasets") or []
        if datasets and isinstance(group.get(datasets[0].get("path", "")), zarr.Array):
            return str(datasets[0]["path"])
    return None


UNIT_NM = {"nanometer": 1.0, "micrometer": 1000.0, "angstrom": 0.1}


def ngff_voxel_size(path: str, key: str | None) -> list[float] | None:
    """Scale (nm) an OME-Zarr `multiscales` record gives the array `key` of the store, if any."""
    if not key:
        return None
    parent, _, name = key.strip("/").rpartition("/")
    try:
        group = zarr.open_group(store=path, path=parent or None, mode="r")
    except Exception:  # a single array or no group: no NGFF record
        return None
    for scale in ngff_multiscales(group.attrs):
        axes = scale.get("axes", [])
        if axes and not any(axis.get("unit") for axis in axes if isinstance(axis, dict)):
            return None  # scales in voxels only (no unit, as written for an unknown voxel size)
        units = [UNIT_NM.get(axis.get("unit"), 1.0) for axis in axes]
        for dataset in scale.get("datasets", []):
            if dataset.get("path") != name:
                continue
            for transform in dataset.get("coordinateTransformations", []):
                if transform.get("type") == "scale":
                    values = list(transform["scale"])
                    units = units if len(units) == len(values) else [1.0] * len(values)
                    return [v * u for v, u in zip(values, units, strict=True)]
    return None


def missing_chunk(array: zarr.Array, region: tuple[slice, ...], known: set) -> tuple | None:
    """Grid index of the first stored chunk (a shard, when sharded) that `region` touches and
    the store lacks; chunks found present are added to `known` and not asked again."""
    import itertools

    from zarr.core.sync import sync

    grid = tuple(array.shards or array.chunks)
    spans = [range(r.start // g, (r.stop - 1) // g + 1) for r, g in zip(region, grid)]
    store_path = array.store_path
    for coords in itertools.product(*spans):
        if coords in known:
            continue
        key = array.metadata.encode_chunk_key(coords)
        key = f"{store_path.path}/{key}" if store_path.path else key
        if not sync(store_path.store.exists(key)):
            return coords
        known.add(coords)
    return None


class ZarrVolume(Volume):
    """An array of a zarr store, read chunk by chunk (only chunks touching the region).

    With `require_chunks` (set by require_all_chunks for inputs) a read touching a chunk the
    store lacks raises DataError naming it, instead of returning the fill value for it.
    """

    require_chunks = False

    def __init__(self, path: str, key: str | None = None, ndim: Any = None) -> None:
        self.path = path
        self.key = key
        array = open_zarr_array(path, key)
        where = path if key is None else f"{path}:{key}"
        self.shape = tuple(array.shape)
        check_ndim(len(self.shape), where, ndim)
        self.dtype = check_dtype(array.dtype, where)
        self.voxel_size = read_voxel_size(array.attrs, self.ndim)
        level = key or array.path  # an OME-Zarr root opens at its level-0 array
        if self.voxel_size is None and (ngff := ngff_voxel_size(path, level)) is not None:
            self.voxel_size = clean_voxel_size(ngff, self.ndim)
        self.chunks = tuple(array.chunks)

    def _open(self) -> zarr.Array:
        return open_zarr_array(self.path, self.key)

    def _read(self, region: tuple[slice, ...]) -> np.ndarray:
        if self.require_chunks:
            known = self.__dict__.setdefault("_present_chunks", set())
            coords = missing_chunk(self.handle, region, known)
            if coords is not None:
                key = self.handle.metadata.encode_chunk_key(coords)
                raise DataError(
                    f"{self!r} lacks chunk {key} (grid index {coords}): reading it would give "
                    f"fill value {self.handle.fill_value} instead of data; restore the chunk, "
                    "or rewrite the store with every chunk written (zarr's write_empty_chunks)"
                )
        try:
            return self.handle[region]
        except Exception as error:
            raise DataError(f"cannot read {self!r} (corrupt chunk?): {error}") from None
