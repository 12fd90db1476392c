"""Writing volumes: `write_volume` for whole arrays, `create_volume` for chunked outputs."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.io.ngff import LEVEL0, OME_SUFFIX, build_pyramid, is_ome_zarr, layer_kind
from connectomics.data.io.paths import detect_format, split_key
from connectomics.data.io.volume import Volume, check_dtype, clean_voxel_size

DEFAULT_KEY = "data"
DEFAULT_CHUNK = 64


def default_chunks(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Chunks of up to 64 voxels per spatial axis; a leading channel axis stays whole."""
    spatial = shape[-3:] if len(shape) >= 3 else shape
    lead = shape[: len(shape) - len(spatial)]
    return tuple(lead) + tuple(max(1, min(s, DEFAULT_CHUNK)) for s in spatial)


class WritableVolume(Volume):
    """A chunked HDF5, zarr or .npy array open for writing; reopens lazily after pickling."""

    def __init__(self, path: str, key: str | None, kind: str) -> None:
        self.path = path
        self.key = key
        self.kind = kind
        handle = self.handle
        self.shape = tuple(handle.shape)
        self.dtype = np.dtype(handle.dtype)
        self.chunks = getattr(handle, "chunks", None)
        attrs = self.attrs
        self.voxel_size = clean_voxel_size(attrs.get("voxel_size"), self.ndim) if attrs else None

    def _open(self) -> Any:
        # format modules imported on use, as in open.py: each pulls in a slow-to-import library
        if self.kind == "hdf5":
            from connectomics.data.io.hdf5 import open_h5_file

            return open_h5_file(self.path, "r+")[self.key]
        if self.kind == "zarr":
            from connectomics.data.io.zarr_store import open_zarr_array

            # every chunk written is stored, even all fill value: a reader can tell a missing
            # chunk (lost data) from background (ZarrVolume.require_chunks)
            array = open_zarr_array(self.path, self.key, mode="r+")
            return array.with_config({"write_empty_chunks": True})
        return np.load(self.path, mmap_mode="r+")

    @property
    def attrs(self) -> Any:
        """The array's attributes (a dict for .npy, which has none on disk)."""
        return getattr(self.handle, "attrs", {})

    def _read(self, region: tuple[slice, ...]) -> np.ndarray:
        return np.asarray(self.handle[region])

    def __setitem__(self, index: Any, value: Any) -> None:
        if self.kind != "hdf5":
            self.handle[index] = value
            return
        try:
            self.handle[index] = value
        except OSError as error:
            raise self._hdf5_failed(error) from None

    def _hdf5_failed(self, error: OSError) -> DataError:
        """Abandon the HDF5 file after a failed write (never flushed again) and the error."""
        from connectomics.data.io.hdf5 import abandon_h5_file, write_failed

        handle, self._handle_obj = self._handle_obj, None
        if handle is not None:
            abandon_h5_file(handle.file)
        return write_failed(self.path, error)

    def flush(self) -> None:
        """Push pending writes to disk."""
        handle = self._handle_obj
        if self.kind == "hdf5" and handle is not None:
            try:
                handle.file.flush()
            except OSError as error:
                raise self._hdf5_failed(error) from None
        elif self.kind == "npy" and handle is not None:
            handle.flush()

    def close(self) -> None:
        """Flush and close this process's handle."""
        self.flush()
        handle, self._handle_obj = self._handle_obj, None
        if self.kind == "hdf5" and handle is not None:
            try:
                handle.file.close()
            except OSError as error:
                from connectomics.data.io.hdf5 import abandon_h5_file, write_failed

                abandon_h5_file(handle.file)
                raise write_failed(self.path, error) from None

    def __enter__(self) -> WritableVolume:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None and self._handle_obj is None:
            return  # a failed write already abandoned the file
        self.close()


def _exists_error(where: str) -> DataError:
    return DataError(
        f"{where} already exists; pass overwrite=True to replace it "
        "(or mode='a' to reopen it) or choose another path"
    )


def create_volume(
    path: str | Path,
    shape: tuple[int, ...] | list[int],
    dtype: Any,
    chunks: tuple[int, ...] | list[int] | None = None,
    key: str | None = None,
    voxel_size: Any = None,
    mode: str = "w",
    overwrite: bool = False,
    zarr_format: int | None = None,
    fill_value: Any = 0,
    compress: bool = True,
) -> WritableVolume:
    """Create a chunked on-disk array (.zarr, .h5/.hdf5 or .npy) and return it for writing.

    ``mode="a"`` reopens an existing array of the same shape and dtype (or creates it);
    ``mode="w"`` refuses to replace an existing one unless ``overwrite=True``. HDF5 chunks are
    gzip-compressed (level 1) unless ``compress=False``; Zarr keeps its default codec.
    """
    if mode not in ("w", "a"):
        raise DataError(f"create_volume mode must be 'w' or 'a', got {mode!r}")
    file, key = split_key(path, key)
    kind = detect_format(file, must_exist=False)
    if kind not in ("hdf5", "zarr", "npy"):
        raise DataError(
            f"create_volume writes .zarr, .h5/.hdf5 or .npy, not {file!r}; "
            "use write_volume for TIFF or PNG"
        )
    shape = tuple(int(s) for s in shape)
    dtype = check_dtype(dtype, f"new volume {file!r}")
    chunks = tuple(int(c) for c in chunks) if chunks is not None else default_chunks(shape)
    if len(chunks) != len(shape):
        raise DataError(f"chunks {chunks} must have one size per axis of shape {shape}")
    if kind == "hdf5":
        key = key or DEFAULT_KEY
        gzip = {"compression": "gzip", "compression_opts": 1} if compress else {}
        created = _create_hdf5(file, key, shape, dtype, chunks, mode, overwrite, fill_value, gzip)
    elif kind == "zarr":
        created = _create_zarr(
            file, key, shape, dtype, chunks, mode, overwrite, zarr_format, fill_value
        )
    else:
        created = _create_npy(file, shape, dtype, mode, overwrite)
    volume = WritableVolume(file, key, kind)
    if not created and (volume.shape != shape or volume.dtype != dtype):
        raise DataError(
            f"existing {volume!r} does not match the requested shape {shape} and dtype "
            f"{dtype}; use overwrite=True to replace it"
        )
    if voxel_size is not None and kind != "npy":
        volume.attrs["voxel_size"] = [float(v) for v in voxel_size]
        volume.voxel_size = clean_voxel_size(voxel_size, len(shape))
    return volume


def _create_hdf5(
    file: str,
    key: str,
    shape: tuple,
    dtype: np.dtype,
    chunks: tuple,
    mode: str,
    overwrite: bool,
    fill_value: Any,
    compression: dict[str, Any],
) -> bool:
    """Create the dataset; return False when ``mode='a'`` found it already there."""
    from connectomics.data.io.hdf5 import abandon_h5_file, open_h5_file, write_failed

    Path(file).parent.mkdir(parents=True, exist_ok=True)
    h5 = open_h5_file(file, "a")
    try:
        if key in h5:
            if mode == "a" and not overwrite:
                h5.close()
                return False
            if not overwrite:
                h5.close()
                raise _exists_error(f"dataset {key!r} in {file!r}")
            del h5[key]
        h5.create_dataset(
            key,
            shape=shape,
            dtype=dtype,
            chunks=chunks,
            fillvalue=fill_value,
            **compression,
        )
        h5.close()
    except OSError as error:
        abandon_h5_file(h5)
        raise write_failed(file, error) from None
    return True


def _create_zarr(
    file: str,
    key: str | None,
    shape: tuple,
    dtype: np.dtype,
    chunks: tuple,
    mode: str,
    overwrite: bool,
    zarr_format: int | None,
    fill_value: Any,
) -> bool:
    """Create the zarr array (at the root, or at ``key`` inside a group)."""
    import zarr

    if zarr_format not in (None, 2, 3):
        raise DataError(f"zarr_format must be 2 or 3, got {zarr_format!r}")
    options = dict(shape=shape, dtype=dtype, chunks=chunks, fill_value=fill_value)
    if zarr_format is not None:
        options["zarr_format"] = zarr_format
    if key is None:
        if Path(file).exists():
            if mode == "a" and not overwrite:
                return False
            if not overwrite:
                raise _exists_error(f"zarr store {file!r}")
            shutil.rmtree(file)
        zarr.create_array(store=file, **options)
        return True
    group_options = {"zarr_format": zarr_format} if zarr_format is not None else {}
    try:
        group = zarr.open_group(store=file, mode="a", **group_options)
    except Exception as error:
        raise DataError(
            f"{file!r} is not a zarr group, cannot add array {key!r}: {error}"
        ) from None
    if key in group:
        if mode == "a" and not overwrite:
            return False
        if not overwrite:
            raise _exists_error(f"array {key!r} in {file!r}")
    options.pop("zarr_format", None)  # the group's format decides
    group.create_array(key, overwrite=overwrite, **options)
    return True


def _create_npy(file: str, shape: tuple, dtype: np.dtype, mode: str, overwrite: bool) -> bool:
    """Create a .npy file and memory-map it."""
    if Path(file).exists():
        if mode == "a" and not overwrite:
            return False
        if not overwrite:
            raise _exists_error(f"file {file!r}")
    Path(file).parent.mkdir(parents=True, exist_ok=True)
    np.lib.format.open_memmap(file, mode="w+", dtype=dtype, shape=shape).flush()
    return True


def write_volume(
    path: str | Path,
    array: Any,
    key: str | None = None,
    chunks: tuple[int, ...] | list[int] | None = None,
    voxel_size: Any = None,
    overwrite: bool = False,
    zarr_format: int | None = None,
) -> None:
    """Write a whole array; the format follows the suffix (a suffix-less path: PNG folder).

    A path ending in ``.ome.zarr`` becomes an OME-Zarr image with a pyramid (`write_ome_zarr`);
    integer ids (not uint8 intensities) are written as labels.
    """
    array = np.asarray(array)
    check_dtype(array.dtype, "array to write")
    file, key = split_key(path, key)
    kind = detect_format(file, must_exist=False)
    if kind == "zarr" and Path(file).is_file():
        raise DataError(f"{file!r} is a file, not a Zarr store; choose another output path")
    if kind == "zarr" and key is None and is_ome_zarr(file):
        write_ome_zarr(file, array, voxel_size, chunks=chunks, overwrite=overwrite)
        return
    if kind == "hdf5" and overwrite and Path(file).exists():
        _replace_hdf5_dataset(file, key or DEFAULT_KEY, array, chunks, voxel_size)
        return
    if kind == "zarr" and overwrite and Path(file).exists():
        _replace_zarr(file, key, array, chunks, voxel_size, zarr_format)
        return
    if kind in ("hdf5", "zarr"):
        new_file = not Path(file).exists()
        try:
            with create_volume(
                file,
                array.shape,
                array.dtype,
                chunks=chunks,
                key=key,
                voxel_size=voxel_size,
                overwrite=overwrite,
                zarr_format=zarr_format,
            ) as volume:
                volume[...] = array
        except BaseException:
            if new_file:  # a file this call began: no partial file is left behind
                _remove(Path(file))
            raise
        return
    if key is not None:
        raise DataError(f"{kind} files hold one array; drop the key {key!r} for {file!r}")
    target = Path(file)
    if target.exists() and not overwrite:
        raise _exists_error(f"{str(target)!r}")
    replace_path(target, lambda tmp: _write_whole(tmp, kind, array, voxel_size))


def write_ome_zarr(
    path: str | Path,
    array: Any,
    voxel_size: Sequence[float] | None = None,
    labels: bool | None = None,
    chunks: Sequence[int] | None = None,
    overwrite: bool = False,
) -> None:
    """Write an array or a lazy `Volume` as an OME-Zarr image, copied chunk row by chunk row
    (labels when `layer_kind` calls the dtype a segmentation, unless `labels` says otherwise);
    an existing store is replaced only when the new one is complete and ``overwrite=True``."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise DataError(
            f"OME-Zarr store {str(target)!r} already exists; pass overwrite=True (--overwrite) "
            "to replace it or choose another path"
        )
    dtype = np.dtype(array.dtype)
    if labels is None:
        labels = layer_kind(dtype) == "segmentation"
    shape = tuple(int(n) for n in array.shape)

    def write(tmp: Path) -> None:
        with create_volume(
            str(tmp), shape, dtype, chunks=chunks, key=LEVEL0, zarr_format=3
        ) as volume:
            step = volume.chunks[-3] if len(shape) >= 3 else shape[0]
            lead = (slice(None),) * (len(shape) - 3) if len(shape) >= 3 else ()
            for z in range(0, shape[len(lead)], step):  # one row of chunks in memory at a time
                index = (*lead, slice(z, z + step))
                volume[index] = np.asarray(array[index])
        build_pyramid(tmp, voxel_size, labels, name=target.name.removesuffix(OME_SUFFIX))

    replace_path(target, write)


def _write_whole(target: Path, kind: str, array: np.ndarray, voxel_size: Any) -> None:
    if kind == "tiff":
        from connectomics.data.io.tiff import write_tiff

        write_tiff(str(target), array, clean_voxel_size(voxel_size, array.ndim))
    elif kind == "npy":
        np.save(target, array)
    else:
        from connectomics.data.io.png import write_png_stack

        write_png_stack(str(target), array)


def _replace_hdf5_dataset(
    file: str, key: str, array: np.ndarray, chunks: Any, voxel_size: Any
) -> None:
    """Write a new file beside `file` (its other datasets copied, `key` written anew), then
    swap it in: a failed write (full disk, size limit, kill) leaves the old file as it was
    (a failed HDF5 write inside the old file could leave it unreadable)."""

    def write(tmp: Path) -> None:
        try:
            copy_hdf5_except(file, str(tmp), {key.strip("/")})
            with create_volume(
                str(tmp), array.shape, array.dtype, chunks=chunks, key=key, voxel_size=voxel_size
            ) as volume:
                volume[...] = array
        except DataError as error:  # named by the file the user gave, not the staged one
            raise DataError(str(error).replace(repr(str(tmp)), repr(file))) from None

    replace_path(Path(file), write)


def copy_hdf5_except(source: str, target: str, skip: set[str]) -> None:
    """Copy every top-level object and attribute of HDF5 file `source` but those named in
    `skip` into a new file `target`."""
    from connectomics.data.io.hdf5 import abandon_h5_file, open_h5_file, write_failed

    with open_h5_file(source, "r") as old:
        new = open_h5_file(target, "w")
        try:
            for name in old:
                if name not in skip:
                    old.copy(old[name], new, name=name)
            for name, value in old.attrs.items():
                new.attrs[name] = value
            new.close()
        except OSError as error:
            abandon_h5_file(new)
            raise write_failed(target, error) from None


def _replace_zarr(
    file: str, key: str | None, array: np.ndarray, chunks: Any, voxel_size: Any, zarr_format: Any
) -> None:
    """Write `array` beside the existing store (or array `key` in it), then swap it in: a failed
    write (full disk, kill) leaves the old one as it was. Local stores only, as everywhere here."""

    def write(path: str, inner: str | None) -> None:
        options = dict(chunks=chunks, voxel_size=voxel_size, zarr_format=zarr_format)
        with create_volume(path, array.shape, array.dtype, key=inner, **options) as volume:
            volume[...] = array

    if key is None:
        replace_path(Path(file), lambda tmp: write(str(tmp), None))
        return
    target = Path(file) / key
    if not target.exists():
        write(file, key)
        return
    parent = str(Path(key).parent)
    staged = f"{target.name}-partial-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staged_key = staged if parent == "." else f"{parent}/{staged}"
    try:
        write(file, staged_key)
    except BaseException:
        _remove(Path(file) / staged_key)
        raise
    old = target.with_name(f"{staged}-old")
    os.replace(target, old)
    os.replace(Path(file) / staged_key, target)
    _remove(old)


def replace_path(target: Path, write: Any) -> None:
    """Call ``write(tmp)`` for a sibling temporary path, then swap it in place of ``target``.

    An existing ``target`` (file or folder) is removed only after the new one is complete, so
    a failed write (bad format, full disk) leaves it as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = target.with_name(f".{target.stem}-partial-{tag}{target.suffix}")
    old = target.with_name(f".{target.stem}-old-{tag}{target.suffix}")
    try:
        write(tmp)
    except BaseException:
        _remove(tmp)
        raise
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    _remove(old)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()
