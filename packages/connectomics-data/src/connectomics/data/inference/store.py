"""Chunked prediction stores (Zarr or HDF5) with a record of finished chunks and a run hash.

Layout: the prediction array `<key>` (C, *spatial), chunked exactly like the processing chunks,
and `<key>_done` (one uint8 per chunk, set to 1 after that chunk's data is written). The
prediction array's attribute "connectomics_inference" holds the run hash, options and value
ranges; it is written last, so its presence means the store is ready.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.inference.grid import Box

META_ATTR = "connectomics_inference"
_SUFFIX_FORMATS = {".zarr": "zarr", ".h5": "h5", ".hdf5": "h5"}


@dataclass(frozen=True)
class StoreTarget:
    """Where a prediction goes: container path, array key and format ("zarr" or "h5")."""

    path: Path
    key: str
    format: str

    def __str__(self) -> str:
        return f"{self.path}:{self.key}"


def parse_output_path(output_path: str | Path, output_format: str | None = None) -> StoreTarget:
    """Split "file.zarr:key" / "file.h5:key" (key defaults to "prediction") and pick a format."""
    text, key = str(output_path), "prediction"
    head, sep, tail = text.rpartition(":")
    if sep and Path(head).suffix.lower() in _SUFFIX_FORMATS and "/" not in tail:
        text, key = head, tail
    path = Path(text)
    fmt = _SUFFIX_FORMATS.get(path.suffix.lower(), output_format or "zarr")
    if output_format is not None and output_format != fmt:
        raise DataError(
            f"output path {path} has suffix {path.suffix!r} but output_format={output_format!r}; "
            "make them agree"
        )
    if fmt not in ("zarr", "h5"):
        raise DataError(f"output_format={fmt!r} is not supported; use 'zarr' or 'h5'")
    return StoreTarget(path, key, fmt)


class PredictionStore(ABC):
    """A writable chunked prediction with per-chunk completion markers."""

    target: StoreTarget

    @abstractmethod
    def metadata(self) -> dict[str, Any] | None:
        """The run metadata, or None while the store is not (completely) created."""

    @abstractmethod
    def done_flags(self) -> np.ndarray:
        """Boolean flag per chunk id: its data is fully written."""

    @abstractmethod
    def write(self, box: Box, data: np.ndarray) -> None:
        """Write one chunk's (C, *box) data."""

    @abstractmethod
    def mark_done(self, chunk_id: int) -> None:
        """Record that a chunk is finished (after its data is durable)."""

    @abstractmethod
    def close(self) -> None:
        """Release file handles."""


def _box_index(box: Box) -> tuple[slice, ...]:
    return (slice(None), *(slice(a, b) for a, b in box))


def _check_zarr_container(path: Path) -> None:
    """Refuse to turn an existing file or non-Zarr folder into a Zarr group."""
    if not path.exists():
        return
    markers = ("zarr.json", ".zgroup", ".zarray")
    if path.is_file() or (any(path.iterdir()) and not any((path / m).exists() for m in markers)):
        raise DataError(
            f"output {path} exists and is not a Zarr store; choose another output path "
            "(e.g. ending in .zarr) or remove it"
        )


class ZarrPredictionStore(PredictionStore):
    """Zarr group; chunk-aligned writes from several processes are safe."""

    def __init__(self, target: StoreTarget, group: Any):
        self.target = target
        self.group = group

    @classmethod
    def open(cls, target: StoreTarget) -> ZarrPredictionStore | None:
        """Open an existing store (None when there is no prediction array yet)."""
        import zarr

        if not target.path.exists():
            return None
        _check_zarr_container(target.path)
        try:
            group = zarr.open_group(str(target.path), mode="a")
        except Exception as err:  # noqa: BLE001 - a foreign or corrupt file is a user problem
            raise DataError(
                f"output {target.path} exists but is not a Zarr group ({err}); choose another "
                "output path or remove it"
            ) from err
        return cls(target, group) if target.key in group else None

    @classmethod
    def create(
        cls,
        target: StoreTarget,
        shape: tuple[int, ...],
        chunks: tuple[int, ...],
        dtype: str,
        n_chunks: int,
        meta: dict[str, Any],
    ) -> ZarrPredictionStore:
        """Create the arrays (replacing old ones of that key); metadata is written last."""
        import zarr

        _check_zarr_container(target.path)
        group = zarr.open_group(str(target.path), mode="a")
        for name in (target.key, f"{target.key}_done"):
            if name in group:
                del group[name]
        group.create_array(target.key, shape=shape, chunks=chunks, dtype=dtype, fill_value=0)
        group.create_array(
            f"{target.key}_done", shape=(n_chunks,), chunks=(1,), dtype="uint8", fill_value=0
        )
        group[target.key].attrs[META_ATTR] = meta
        return cls(target, group)

    def metadata(self) -> dict[str, Any] | None:
        return self.group[self.target.key].attrs.asdict().get(META_ATTR)

    def done_flags(self) -> np.ndarray:
        return np.asarray(self.group[f"{self.target.key}_done"][:]) > 0

    def write(self, box: Box, data: np.ndarray) -> None:
        self.group[self.target.key][_box_index(box)] = data

    def mark_done(self, chunk_id: int) -> None:
        self.group[f"{self.target.key}_done"][chunk_id] = 1

    def close(self) -> None:
        """Nothing to release: every Zarr write is already on disk."""


class H5PredictionStore(PredictionStore):
    """HDF5 file; one writing process only (HDF5 has no safe concurrent writes)."""

    def __init__(self, target: StoreTarget, file: Any):
        self.target = target
        self.file = file

    @classmethod
    def open(cls, target: StoreTarget) -> H5PredictionStore | None:
        """Open an existing store (None when there is no prediction dataset yet)."""
        import h5py

        if not target.path.exists():
            return None
        try:
            file = h5py.File(target.path, "a")
        except OSError as err:
            raise DataError(
                f"output {target.path} exists but cannot be opened as HDF5 ({err}); choose "
                "another output path or remove it"
            ) from err
        if target.key in file:
            return cls(target, file)
        file.close()
        return None

    @classmethod
    def create(
        cls,
        target: StoreTarget,
        shape: tuple[int, ...],
        chunks: tuple[int, ...],
        dtype: str,
        n_chunks: int,
        meta: dict[str, Any],
    ) -> H5PredictionStore:
        """Create the datasets (replacing old ones of that key); metadata is written last."""
        import h5py

        target.path.parent.mkdir(parents=True, exist_ok=True)
        file = h5py.File(target.path, "a")
        for name in (target.key, f"{target.key}_done"):
            if name in file:
                del file[name]
        file.create_dataset(target.key, shape=shape, chunks=chunks, dtype=dtype, fillvalue=0)
        file.create_dataset(f"{target.key}_done", shape=(n_chunks,), dtype="uint8", fillvalue=0)
        file[target.key].attrs[META_ATTR] = json.dumps(meta)
        file.flush()
        return cls(target, file)

    def metadata(self) -> dict[str, Any] | None:
        raw = self.file[self.target.key].attrs.get(META_ATTR)
        return None if raw is None else json.loads(raw)

    def done_flags(self) -> np.ndarray:
        return self.file[f"{self.target.key}_done"][:] > 0

    def write(self, box: Box, data: np.ndarray) -> None:
        self.file[self.target.key][_box_index(box)] = data
        self.file.flush()

    def mark_done(self, chunk_id: int) -> None:
        self.file[f"{self.target.key}_done"][chunk_id] = 1
        self.file.flush()

    def close(self) -> None:
        self.file.close()


STORE_CLASSES: dict[str, type[PredictionStore]] = {
    "zarr": ZarrPredictionStore,
    "h5": H5PredictionStore,
}
