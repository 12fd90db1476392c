"""The Zarr group of a blockwise job: its arrays, per-block done flags and run record.

Layout of `<path>`: the result array (`<key>`, chunked like the blocks) with `<key>_done`
(one uint8 per block), intermediate arrays of the job, and the attribute "connectomics_blockwise"
holding the job's parameters: a store of another job is never mixed with a new run.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import zarr

from connectomics.data.errors import DataError
from connectomics.data.io.ngff import LEVEL0, is_ome_zarr

RUN_ATTR = "connectomics_blockwise"
DEFAULT_KEY = "segmentation"
# groups of per-block arrays (`put_block`): halo labels, region graph edges, fragment sizes
BLOCK_GROUPS = ("halo", "edges", "sizes")
# ids per chunk of the stored lookup: a block reads only the chunks of its id range
LOOKUP_CHUNK = 2**18


def split_output(output: str | Path) -> tuple[Path, str]:
    """ "seg.zarr" or "seg.zarr:key" as (group path, result key); only Zarr is accepted.

    An OME-Zarr output ("seg.ome.zarr") keeps the labels in its full-resolution array "0".
    """
    text, key = str(output), None
    head, sep, tail = text.rpartition(":")
    if sep and head.endswith(".zarr") and "/" not in tail:
        text, key = head, tail
    path = Path(text)
    if is_ome_zarr(path) and key not in (None, LEVEL0):
        raise DataError(
            f"OME-Zarr output {path} holds the labels in array {LEVEL0!r}; drop the key {key!r}"
        )
    key = key or (LEVEL0 if is_ome_zarr(path) else DEFAULT_KEY)
    if path.suffix.lower() != ".zarr":
        raise DataError(
            f"blockwise output {output!r} must be a Zarr store (blocks are written in parallel "
            "and recorded for resuming); use e.g. segmentation.zarr"
        )
    return path, key


def _is_blockwise_store(path: Path) -> bool:
    """True when `path` is a Zarr group a BlockStore wrote (it carries the run record)."""
    try:
        return RUN_ATTR in zarr.open_group(str(path), mode="r").attrs
    except Exception:  # not a Zarr group at all, or unreadable: not ours
        return False


class BlockStore:
    """A Zarr group whose arrays are written block by block, with per-block done flags."""

    def __init__(self, path: str | Path, run: dict[str, Any], overwrite: bool = False) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise DataError(f"blockwise output {self.path} is a file; choose a .zarr folder path")
        if overwrite and self.path.exists() and any(self.path.iterdir()):
            if not _is_blockwise_store(self.path):
                raise DataError(
                    f"{self.path} is not a blockwise output of connectomics; --overwrite only "
                    "replaces one: remove it yourself or choose another output"
                )
            shutil.rmtree(self.path)
        self.group = zarr.open_group(str(self.path), mode="a")
        for name in BLOCK_GROUPS:  # created here: workers writing at once would race
            self.group.require_group(name)
        found = self.group.attrs.get(RUN_ATTR)
        if found is not None and found != _jsonable(run) and not self.finished_blocks():
            # another run's store with no finished block (it failed early): nothing to keep
            self._clear()
            found = None
        if found is None:
            self.group.attrs[RUN_ATTR] = run
        elif found != _jsonable(run):
            changed = sorted(k for k in {*found, *run} if found.get(k) != _jsonable(run.get(k)))
            what = (
                "the prediction's content changed since"
                if changed == ["fingerprint"]
                else f"{', '.join(changed)} differ from"
            )
            raise DataError(
                f"{self.path} holds the blocks of another blockwise run ({what} the run that "
                "wrote them); pass overwrite=True (--overwrite) to replace it, or choose "
                "another output"
            )

    def finished_blocks(self) -> int:
        """Blocks marked done in any `*_done` flag array of the store."""
        return sum(
            int(np.count_nonzero(array[:]))
            for name, array in self.group.arrays()
            if name.endswith("_done")
        )

    def _clear(self) -> None:
        """Remove every array, block group and attribute (the run record too) of the store."""
        self.group.attrs.clear()
        for name in [name for name, _ in self.group.arrays()]:
            del self.group[name]
        for name in BLOCK_GROUPS:
            del self.group[name]
            self.group.require_group(name)

    @classmethod
    def reopen(cls, path: str | Path) -> BlockStore:
        """The existing store at `path`, opened for writing (in a worker)."""
        store = cls.__new__(cls)
        store.path = Path(path)
        store.group = zarr.open_group(str(store.path), mode="r+")
        return store

    def _create(self, group: Any, key: str, shape: tuple, chunks: tuple, dtype: Any) -> Any:
        # zarr 3 names it create_array, zarr 2 create_dataset
        create = getattr(group, "create_array", None) or group.create_dataset
        return create(key, shape=shape, chunks=chunks, dtype=dtype, fill_value=0, overwrite=True)

    def put_block(self, name: str, block_id: int, values: np.ndarray) -> None:
        """Store a 1D array of one block (its halo labels, edge table...) under group `name`."""
        group = zarr.open_group(str(self.path / name), mode="r+")
        values = np.ascontiguousarray(values).ravel()
        array = self._create(
            group, str(block_id), values.shape, (max(len(values), 1),), values.dtype
        )
        if len(values):
            array[:] = values

    def get_block(self, name: str, block_id: int) -> np.ndarray:
        """The 1D array of a block stored by `put_block`."""
        return np.asarray(zarr.open_group(str(self.path / name), mode="r")[str(block_id)][:])

    def put_lookup(self, lookup: np.ndarray) -> None:
        """Store the final id of every global fragment id (read back by block id ranges)."""
        chunk = min(max(len(lookup), 1), LOOKUP_CHUNK)
        array = self._create(self.group, "lookup", lookup.shape, (chunk,), lookup.dtype)
        array[:] = lookup

    def array(
        self, key: str, shape: tuple[int, ...], chunks: tuple[int, ...], dtype: Any
    ) -> zarr.Array:
        """The array `key`, created (zero-filled) when missing."""
        if key in self.group:
            return self.group[key]
        return self._create(self.group, key, shape, chunks, dtype)

    def flags(self, key: str, n_blocks: int) -> zarr.Array:
        """The done flags of `key`: one uint8 per block, each in its own chunk."""
        return self.array(f"{key}_done", (n_blocks,), (1,), np.uint8)

    def done(self, key: str, n_blocks: int) -> np.ndarray:
        """Boolean flag per block: `key` is written for that block."""
        return np.asarray(self.flags(key, n_blocks)[:]).astype(bool)


def _jsonable(value: Any) -> Any:
    """`value` as it reads back from Zarr attributes (tuples become lists)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def open_array(path: str | Path, key: str) -> zarr.Array:
    """The array `key` of the group at `path`, opened for writing (in a worker); every chunk
    written is stored, all-zero ones too, so a reader can tell a missing chunk from background."""
    return zarr.open_group(str(path), mode="r+")[key].with_config({"write_empty_chunks": True})
