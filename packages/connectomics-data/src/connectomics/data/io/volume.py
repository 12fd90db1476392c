"""The lazy, picklable `Volume` base class and its in-memory and sub-view variants."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.io.indexing import normalize_index

SUPPORTED_KINDS = "buif"  # bool, unsigned, signed, float


def check_dtype(dtype: np.dtype, where: str) -> np.dtype:
    """Raise a DataError for dtypes a segmentation pipeline cannot use (complex, object...)."""
    dtype = np.dtype(dtype)
    if dtype.kind not in SUPPORTED_KINDS:
        raise DataError(
            f"{where} has unsupported dtype {dtype}; convert it to an integer, bool or float "
            "array (e.g. uint8 images, uint32 labels)"
        )
    return dtype


def check_ndim(ndim: int, where: str, expected: Any = None) -> None:
    """Raise a DataError when a volume is not 2D-4D or not of the expected dimensionality."""
    allowed = (2, 3, 4) if expected is None else tuple(np.atleast_1d(expected).tolist())
    if ndim not in allowed:
        raise DataError(
            f"{where} has {ndim} dimensions but {' or '.join(map(str, allowed))} are needed "
            "(axes z, y, x, optionally a leading channel axis); reshape or pick another key"
        )


def clean_voxel_size(value: Any, ndim: int) -> tuple[float, ...] | None:
    """Voxel size as a float tuple for the last ``ndim`` axes, or None when unknown."""
    if value is None:
        return None
    sizes = tuple(float(v) for v in np.atleast_1d(np.asarray(value, dtype=float)))
    if len(sizes) > ndim:
        sizes = sizes[-ndim:]
    return sizes


def require_all_chunks(volume: Any) -> Any:
    """`volume`, set to refuse reads of chunks its store lacks when it is a Zarr volume (for
    inputs, where a missing chunk is lost data, not background); other volumes as they are."""
    if hasattr(type(volume), "require_chunks"):
        volume.require_chunks = True
    return volume


class Volume(ABC):
    """A lazily read n-d array: indexing reads only the requested region.

    Subclasses open their file in ``_open`` and read a bounded step-1 box in ``_read``. The
    open handle is per process: it is dropped when pickled and reopened on first access in
    a new process (e.g. each DataLoader worker), so file handles are never shared by fork.
    """

    path: str | None = None
    key: str | None = None
    shape: tuple[int, ...]
    dtype: np.dtype
    voxel_size: tuple[float, ...] | None = None

    _handle_obj: Any = None
    _handle_pid: int | None = None

    @abstractmethod
    def _open(self) -> Any:
        """Open the underlying file and return the object ``_read`` reads from."""

    @abstractmethod
    def _read(self, region: tuple[slice, ...]) -> np.ndarray:
        """Read a box of bounded, step-1 slices (one per axis)."""

    @property
    def handle(self) -> Any:
        """The open file object of this process (opened on first access)."""
        if self._handle_obj is None or self._handle_pid != os.getpid():
            self._handle_obj = self._open()
            self._handle_pid = os.getpid()
        return self._handle_obj

    @property
    def ndim(self) -> int:
        """Number of axes."""
        return len(self.shape)

    @property
    def size(self) -> int:
        """Number of voxels."""
        return int(np.prod(self.shape))

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index: Any) -> np.ndarray:
        region, post = normalize_index(index, self.shape)
        if any(s.stop <= s.start for s in region):
            data = np.zeros(tuple(s.stop - s.start for s in region), dtype=self.dtype)
        else:
            data = np.asarray(self._read(region))
        return data[post]

    def read(self) -> np.ndarray:
        """Read the whole volume into memory."""
        return self[...]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        data = self.read()
        return data if dtype is None else data.astype(dtype)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_handle_obj", None)
        state.pop("_handle_pid", None)
        return state

    def close(self) -> None:
        """Close this process's file handle (it reopens on the next access)."""
        obj, self._handle_obj = self._handle_obj, None
        close = getattr(obj, "close", None)
        if close is not None and self._handle_pid == os.getpid():
            close()

    def __repr__(self) -> str:
        where = self.path if self.key is None else f"{self.path}:{self.key}"
        return f"{type(self).__name__}({where!r}, shape={self.shape}, dtype={self.dtype})"


class ArrayVolume(Volume):
    """A `Volume` over an in-memory array (cached or generated data)."""

    def __init__(
        self,
        array: np.ndarray,
        voxel_size: Any = None,
        path: str | None = None,
        key: str | None = None,
    ) -> None:
        self.array = np.asarray(array)
        self.dtype = check_dtype(self.array.dtype, "array")
        self.shape = tuple(self.array.shape)
        self.voxel_size = clean_voxel_size(voxel_size, self.ndim)
        self.path = path
        self.key = key

    def _open(self) -> np.ndarray:
        return self.array

    def _read(self, region: tuple[slice, ...]) -> np.ndarray:
        return self.array[region]


class VolumeView(Volume):
    """A lazy box of another volume (e.g. the validation part of a split): no data is read."""

    def __init__(self, base: Volume, region: tuple[slice, ...]) -> None:
        region, post = normalize_index(region, base.shape)
        if any(p != slice(None) for p in post):
            raise ValueError("a VolumeView region must consist of step-1 slices")
        self.base = base
        self.region = region
        self.shape = tuple(s.stop - s.start for s in region)
        self.dtype = base.dtype
        self.voxel_size = base.voxel_size
        self.path = base.path
        self.key = base.key

    def _open(self) -> Volume:
        return self.base

    def _read(self, region: tuple[slice, ...]) -> np.ndarray:
        shifted = tuple(
            slice(outer.start + inner.start, outer.start + inner.stop)
            for outer, inner in zip(self.region, region)
        )
        return self.base[shifted]

    def __repr__(self) -> str:
        box = ", ".join(f"{s.start}:{s.stop}" for s in self.region)
        return f"VolumeView({self.base!r}[{box}])"
