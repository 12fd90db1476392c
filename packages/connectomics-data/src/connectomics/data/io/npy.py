"""Numpy .npy volumes, memory-mapped so regions are read on demand."""

from __future__ import annotations

from typing import Any

import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.io.volume import Volume, check_dtype, check_ndim


def open_npy(path: str) -> np.ndarray:
    """Memory-map a .npy file (falls back to a full load for object arrays)."""
    try:
        return np.load(path, mmap_mode="r")
    except ValueError as error:
        if "allow_pickle" in str(error) or "object" in str(error):
            raise DataError(
                f"{path!r} holds an object array, which is unsupported; save a numeric array"
            ) from None
        raise DataError(f"cannot read {path!r} (truncated or not .npy): {error}") from None
    except OSError as error:
        raise DataError(f"cannot read {path!r} (truncated or not .npy): {error}") from None


class NpyVolume(Volume):
    """A .npy file opened with ``mmap_mode='r'``."""

    def __init__(self, path: str, ndim: Any = None) -> None:
        self.path = path
        array = open_npy(path)
        self.shape = tuple(array.shape)
        check_ndim(len(self.shape), path, ndim)
        self.dtype = check_dtype(array.dtype, path)
        del array

    def _open(self) -> np.ndarray:
        return open_npy(self.path)

    def _read(self, region: tuple[slice, ...]) -> np.ndarray:
        return np.array(self.handle[region])
