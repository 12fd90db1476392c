"""Lazy HDF5 volumes (h5py): one dataset chosen by key."""

from __future__ import annotations

import os
from typing import Any

import h5py
import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.io.volume import Volume, check_dtype, check_ndim, clean_voxel_size

VOXEL_ATTRS = ("voxel_size", "resolution")


def list_datasets(group: h5py.Group) -> list[str]:
    """Paths of every dataset below ``group``."""
    names: list[str] = []
    group.visititems(
        lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None
    )
    return names


def open_h5_file(path: str, mode: str = "r") -> h5py.File:
    """Open an HDF5 file, turning corrupt or truncated files into a DataError."""
    try:
        return h5py.File(path, mode)
    except OSError as error:
        raise DataError(
            f"cannot read HDF5 file {path!r} (truncated, corrupt or not HDF5): {error}"
        ) from None


def abandon_h5_file(file: h5py.File) -> None:
    """Close an HDF5 file whose write failed (full disk, file size limit, I/O error) without
    letting HDF5 touch it again: its descriptor is pointed at /dev/null first. Otherwise every
    later flush fails again and the HDF5 library crashes the process at exit (SIGSEGV)."""
    try:
        fd = file.id.get_vfd_handle()
        null = os.open(os.devnull, os.O_RDWR)
        try:
            os.dup2(null, int(fd))
        finally:
            os.close(null)
    except Exception:  # noqa: BLE001 - not a POSIX-driver file, or already closed
        pass
    try:
        file.close()
    except Exception:  # noqa: BLE001 - the data is lost either way; the write error is raised
        pass


def write_failed(path: str, error: OSError) -> DataError:
    """The one-line error of a failed HDF5 write (the reason HDF5 gives, without its dump)."""
    text = " ".join(str(error).split())
    reason = (
        text.split("error message = '")[1].split("'")[0] if "error message = '" in text else text
    )
    return DataError(
        f"cannot write HDF5 file {path!r}: {reason[:200]}; free disk space (or raise the file "
        "size limit) or write to another folder; nothing earlier was replaced"
    )


def resolve_dataset(file: h5py.File, key: str | None, path: str) -> tuple[h5py.Dataset, str]:
    """The dataset named ``key`` (or the only one in the file); errors list the keys present."""
    names = list_datasets(file)
    if key is None:
        if len(names) == 1:
            key = names[0]
        else:
            raise DataError(
                f"{path!r} holds {len(names)} datasets {names}; choose one with a key, "
                f"e.g. '{path}:{names[0] if names else 'raw'}'"
            )
    key = key.strip("/")
    if key not in file or not isinstance(file[key], h5py.Dataset):
        raise DataError(
            f"dataset {key!r} not found in {path!r}; keys present: {names}. "
            "Set the right key (e.g. data.image_key) or use 'file.h5:key'"
        )
    return file[key], key


def read_voxel_size(attrs: Any, ndim: int) -> tuple[float, ...] | None:
    """Voxel size (nm) from a "voxel_size", "resolution" or "element_size_um" attribute."""
    for name in VOXEL_ATTRS:
        if name in attrs:
            return clean_voxel_size(attrs[name], ndim)
    if "element_size_um" in attrs:  # ImageJ/Fiji and ilastik write micrometres
        return clean_voxel_size([1000.0 * float(v) for v in attrs["element_size_um"]], ndim)
    return None


class Hdf5Volume(Volume):
    """A dataset of an HDF5 file, read region by region."""

    def __init__(self, path: str, key: str | None = None, ndim: Any = None) -> None:
        self.path = path
        file = open_h5_file(path)
        dataset, self.key = resolve_dataset(file, key, path)
        where = f"{path}:{self.key}"
        self.shape = tuple(dataset.shape)
        check_ndim(len(self.shape), where, ndim)
        self.dtype = check_dtype(dataset.dtype, where)
        self.voxel_size = read_voxel_size(dataset.attrs, self.ndim) or read_voxel_size(
            file.attrs, self.ndim
        )
        self.chunks = dataset.chunks
        file.close()

    def _open(self) -> h5py.Dataset:
        return open_h5_file(self.path)[self.key]

    def _read(self, region: tuple[slice, ...]) -> np.ndarray:
        try:
            return self.handle[region]
        except OSError as error:
            raise DataError(
                f"cannot read {self.path}:{self.key} (corrupt data?): {error}"
            ) from None

    def close(self) -> None:
        """Close this process's HDF5 file."""
        dataset = self._handle_obj
        self._handle_obj = None
        if dataset is not None:
            dataset.file.close()
