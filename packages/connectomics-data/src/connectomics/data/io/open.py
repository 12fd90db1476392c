"""`open_volume` / `read_volume`: pick the lazy reader for a path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.io.paths import detect_format, require_exists, split_key
from connectomics.data.io.volume import ArrayVolume, Volume


def open_volume(
    path: str | Path | np.ndarray | Volume, key: str | None = None, ndim: Any = None
) -> Volume:
    """Open a volume lazily; ``path`` may be "file.h5:key", a zarr store, TIFF, .npy or PNG folder.

    ``ndim`` (an int or a list of ints) checks the dimensionality. Arrays and volumes pass
    through (arrays are wrapped in an `ArrayVolume`).
    """
    if isinstance(path, Volume):
        return path
    if isinstance(path, np.ndarray):
        volume: Volume = ArrayVolume(path)
        from connectomics.data.io.volume import check_ndim

        check_ndim(volume.ndim, "array", ndim)
        return volume
    volume = _open_file(path, key, ndim)
    if 0 in tuple(volume.shape):
        raise DataError(
            f"{path}: shape {tuple(volume.shape)} has a zero-length axis, so there are no voxels "
            "to read; give a non-empty volume"
        )
    return volume


def _open_file(path: str | Path, key: str | None, ndim: Any) -> Volume:
    """The lazy reader of the format at `path`."""
    file, key = split_key(path, key)
    require_exists(file)
    kind = detect_format(file)
    # each format's module is imported on use: h5py, zarr, tifffile and imageio are slow to
    # import and a run needs one or two of them
    if kind == "hdf5":
        from connectomics.data.io.hdf5 import Hdf5Volume

        return Hdf5Volume(file, key, ndim)
    if kind == "zarr":
        from connectomics.data.io.zarr_store import ZarrVolume

        return ZarrVolume(file, key, ndim)
    if key is not None and kind != "png":
        raise DataError(f"{kind} files hold one array; drop the key {key!r} for {file!r}")
    if kind == "tiff":
        from connectomics.data.io.tiff import TiffVolume

        return TiffVolume(file, ndim)
    if kind == "npy":
        from connectomics.data.io.npy import NpyVolume

        return NpyVolume(file, ndim)
    if kind == "png" and Path(file).is_dir():
        from connectomics.data.io.png import PngStackVolume

        return PngStackVolume(file, ndim)
    raise DataError(f"a single .png file is not a volume; point at the folder of slices: {file!r}")


def open_volume_auto(
    path: str | Path, preferred_keys: Any = (), ndim: Any = None, option: str = ""
) -> Volume:
    """Open ``path`` without key gymnastics: a key in the path wins; an HDF5/Zarr container
    without one uses the first of ``preferred_keys`` it holds, else its only array; TIFF, .npy
    and PNG folders need no key. ``option`` (e.g. "data.test_image") prefixes errors."""
    file, key = split_key(path)
    suffix = Path(file).suffix.lower()
    is_dir_store = Path(file).is_dir() and detect_format(file) == "zarr"
    if key is not None or (suffix not in (".h5", ".hdf5", ".hdf", ".zarr") and not is_dir_store):
        try:
            return open_volume(path, ndim=ndim)
        except DataError as error:
            raise DataError(f"{option}: {error}" if option else str(error)) from None
    names = container_keys(file)
    keys = [preferred_keys] if isinstance(preferred_keys, str) else list(preferred_keys or ())
    chosen = next((k for k in keys if k and k.strip("/") in names), None)
    try:
        return open_volume(file, chosen, ndim)
    except DataError as error:
        raise DataError(f"{option}: {error}" if option else str(error)) from None


def container_keys(file: str | Path) -> list[str]:
    """Array names inside an HDF5 file or Zarr group ([] for a single Zarr array)."""
    require_exists(file)
    if detect_format(file) == "hdf5":
        from connectomics.data.io.hdf5 import list_datasets, open_h5_file

        with open_h5_file(str(file)) as handle:
            return list_datasets(handle)
    import zarr

    from connectomics.data.io.zarr_store import list_arrays, unreadable_store

    try:
        node = zarr.open(store=str(file), mode="r")
    except Exception as error:  # zarr raises many types for unreadable stores
        raise unreadable_store(str(file), error) from None
    return [] if isinstance(node, zarr.Array) else list_arrays(node)


def read_volume(path: str | Path, key: str | None = None, ndim: Any = None) -> np.ndarray:
    """Read a whole volume into memory."""
    return open_volume(path, key, ndim).read()
