"""Chunked prediction stores (Zarr or HDF5) with a record of finished chunks and a run hash.

Layout: the prediction array `<key>` (C, *spatial), chunked exactly like the processing chunks,
and `<key>_done` (one uint8 per chunk, set to 1 after that chunk's data is written). The
prediction array's attribute "connectomics_inference" holds the run hash, options and value
ranges; it is written last, so its presence means the store is ready. Both arrays are made and
written by the volume writer of `connectomics.data.io` (`create_volume`, `WritableVolume`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.inference.window_grid import Box
from connectomics.data.io.ngff import LEVEL0, is_ome_zarr
from connectomics.data.io.writing import WritableVolume, create_volume

META_ATTR = "connectomics_inference"
_SUFFIX_FORMATS = {".zarr": "zarr", ".h5": "h5", ".hdf5": "h5"}
_KINDS = {"zarr": "zarr", "h5": "hdf5"}  # store format -> volume writer kind


@dataclass(frozen=True)
class StoreTarget:
    """Where a prediction goes: container path, array key and format ("zarr" or "h5")."""

    path: Path
    key: str
    format: str

    def __str__(self) -> str:
        return f"{self.path}:{self.key}"


def parse_output_path(output_path: str | Path, output_format: str | None = None) -> StoreTarget:
    """Split "file.zarr:key" / "file.h5:key" (key defaults to "prediction") and pick a format.

    An OME-Zarr output ("pred.ome.zarr") keeps the prediction in its full-resolution array "0".
    """
    text, key = str(output_path), None
    head, sep, tail = text.rpartition(":")
    if sep and Path(head).suffix.lower() in _SUFFIX_FORMATS and "/" not in tail:
        text, key = head, tail
    path = Path(text)
    if is_ome_zarr(path) and key not in (None, LEVEL0):
        raise DataError(
            f"OME-Zarr output {path} holds the prediction in array {LEVEL0!r}; drop the key "
            f"{key!r} (or write a plain .zarr store)"
        )
    key = key or (LEVEL0 if is_ome_zarr(path) else "prediction")
    fmt = _SUFFIX_FORMATS.get(path.suffix.lower(), output_format or "zarr")
    if output_format is not None and output_format != fmt:
        raise DataError(
            f"output path {path} has suffix {path.suffix!r} but output_format={output_format!r}; "
            "make them agree"
        )
    if fmt not in ("zarr", "h5"):
        raise DataError(f"output_format={fmt!r} is not supported; use 'zarr' or 'h5'")
    return StoreTarget(path, key, fmt)


def staged_target(target: StoreTarget) -> StoreTarget:
    """A new container beside `target`'s holding a copy of its other arrays: an overwrite is
    written there and swapped in when complete (`swap_in`), so the old prediction stays until
    the new one is whole."""
    import os
    import shutil
    import uuid

    from connectomics.data.io.writing import copy_hdf5_except

    path = target.path
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staged = path.with_name(f".{path.stem}-partial-{tag}{path.suffix}")
    skip = {target.key, f"{target.key}_done"}
    if target.format == "zarr":
        shutil.copytree(path, staged, ignore=lambda d, names: skip if Path(d) == path else set())
    else:
        copy_hdf5_except(str(path), str(staged), skip)
    return StoreTarget(staged, target.key, target.format)


def swap_in(staged: StoreTarget, target: StoreTarget) -> None:
    """Put the complete staged container in place of `target`'s (the old one removed last)."""
    import os
    import shutil

    old = staged.path.with_name(staged.path.name.replace("-partial-", "-old-"))
    os.replace(target.path, old)
    os.replace(staged.path, target.path)
    shutil.rmtree(old) if old.is_dir() else old.unlink()


def remove_staged(staged: StoreTarget) -> None:
    """Remove a staged container after a failed overwrite (the old one was never touched)."""
    import shutil

    if staged.path.is_dir():
        shutil.rmtree(staged.path, ignore_errors=True)
    elif staged.path.exists():
        staged.path.unlink()


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


def _present(target: StoreTarget) -> set[str]:
    """Which of the prediction array and its done record the container (which exists) holds."""
    names = {target.key, f"{target.key}_done"}
    if target.format == "zarr":
        import zarr

        _check_zarr_container(target.path)
        try:
            group = zarr.open_group(str(target.path), mode="a")
        except Exception as err:  # noqa: BLE001 - a foreign or corrupt file is a user problem
            raise DataError(
                f"output {target.path} exists but is not a Zarr group ({err}); choose another "
                "output path or remove it"
            ) from err
        return {name for name in names if name in group}
    import h5py

    try:
        with h5py.File(target.path, "r") as file:
            return {name for name in names if name in file}
    except OSError as err:
        raise DataError(
            f"output {target.path} exists but cannot be opened as HDF5 ({err}); choose "
            "another output path or remove it"
        ) from err


class PredictionStore:
    """A chunked prediction and its per-chunk completion record.

    Zarr: chunk-aligned writes from several processes are safe. HDF5: one writing process
    only (HDF5 has no safe concurrent writes); every write is flushed.
    """

    def __init__(
        self, target: StoreTarget, data: WritableVolume, done: WritableVolume | None
    ) -> None:
        self.target = target
        self.data = data
        self.done = done

    @classmethod
    def open(cls, target: StoreTarget) -> PredictionStore | None:
        """Open an existing store (None when there is no prediction array yet; an array
        without its done record, not written by connectomics, has no metadata)."""
        present = _present(target) if target.path.exists() else set()
        if target.key not in present:
            return None
        kind, path, done = _KINDS[target.format], str(target.path), f"{target.key}_done"
        return cls(
            target,
            WritableVolume(path, target.key, kind),
            WritableVolume(path, done, kind) if done in present else None,
        )

    @classmethod
    def create(
        cls,
        target: StoreTarget,
        shape: tuple[int, ...],
        chunks: tuple[int, ...],
        dtype: str,
        n_chunks: int,
        meta: dict[str, Any],
        voxel_size: Any = None,
    ) -> PredictionStore:
        """Create the arrays (replacing old ones of that key); metadata is written last.

        `voxel_size` (nm, z-y-x) is recorded on the prediction array as "voxel_size".
        """
        if target.format == "zarr":
            _check_zarr_container(target.path)
        path, key = str(target.path), target.key
        options = {"mode": "w", "overwrite": True, "compress": False}
        data = create_volume(path, shape, dtype, chunks, key=key, voxel_size=voxel_size, **options)
        done = create_volume(path, (n_chunks,), "uint8", (1,), key=f"{key}_done", **options)
        data.attrs[META_ATTR] = meta if target.format == "zarr" else json.dumps(meta)
        data.flush()
        return cls(target, data, done)

    def metadata(self) -> dict[str, Any] | None:
        """The run metadata, or None while the store is not (completely) created."""
        raw = self.data.attrs.get(META_ATTR) if self.done is not None else None
        return json.loads(raw) if isinstance(raw, str) else raw

    def done_flags(self) -> np.ndarray:
        """Boolean flag per chunk id: its data is fully written."""
        return self._done().read() > 0

    def write(self, box: Box, data: np.ndarray) -> None:
        """Write one chunk's (C, *box) data."""
        self.data[_box_index(box)] = data
        self.data.flush()

    def mark_done(self, chunk_id: int) -> None:
        """Record that a chunk is finished (after its data is durable)."""
        done = self._done()
        done[chunk_id] = 1
        done.flush()

    def close(self) -> None:
        """Release file handles."""
        self.data.close()
        if self.done is not None:
            self.done.close()

    def _done(self) -> WritableVolume:
        if self.done is None:
            raise DataError(f"output {self.target} has no record of finished chunks")
        return self.done
