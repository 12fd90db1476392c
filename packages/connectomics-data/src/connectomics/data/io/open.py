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
    file, key = split_key(path, key)
    require_exists(file)
    kind = detect_format(file)
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


def read_volume(path: str | Path, key: str | None = None, ndim: Any = None) -> np.ndarray:
    """Read a whole volume into memory."""
    return open_volume(path, key, ndim).read()
