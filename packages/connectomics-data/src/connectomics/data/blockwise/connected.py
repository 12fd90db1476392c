"""Exact blockwise connected components (binary_cc, affinity_cc) of a chunked prediction.

Pass 1 labels every block grown by a one-voxel halo (so every edge that touches the block is
seen) and stores the block's labels plus its labels of the halo voxels. Pass 2 pairs each halo
label with the label the owning block gave that voxel; a union-find over all pairs (scipy's
connected components of the pair graph) joins objects across blocks. Pass 3 writes consecutive
global ids. The result equals the whole-volume decoder's up to a relabelling, for any block size.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastremap
import numpy as np

from connectomics.data.blockwise.block_grid import BlockGrid, Box, as_slices
from connectomics.data.blockwise.executor import Engine
from connectomics.data.blockwise.job_store import BlockStore, open_array
from connectomics.data.blockwise.stitch import final_lookup, merge_pairs, offsets_of, unique_pairs
from connectomics.data.decoding.registry import decoder_spec
from connectomics.data.decoding.spec import DecoderSpec
from connectomics.data.io.volume import Volume

HALO = 1


@dataclass(frozen=True)
class BlockwiseReport:
    """What a blockwise run did: blocks labelled now or found done, objects written."""

    path: Path
    key: str
    n_blocks: int
    computed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    n_objects: int = 0
    # wall-clock seconds of each pass (fragments, graph or stitch, agglomerate, relabel)
    seconds: dict[str, float] = field(default_factory=dict)


class Laps:
    """Wall-clock seconds of consecutive passes, by name."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        """Record the seconds since the previous lap as pass `name`."""
        now = time.perf_counter()
        self.seconds[name] = now - self._last
        self._last = now


@dataclass(frozen=True)
class CCJob:
    """Everything a worker needs for one block (picklable: volumes reopen their files)."""

    prediction: Volume
    grid: BlockGrid
    store: str
    key: str
    decoder: str
    kwargs: dict[str, Any]


def _core_in(box: Box, outer: Box) -> tuple[slice, ...]:
    """Slices of `box` inside the array of the larger box `outer`."""
    return tuple(slice(s - o, e - o) for (s, e), (o, _) in zip(box, outer))


def _shell(shape: tuple[int, ...], core: tuple[slice, ...]) -> np.ndarray:
    """Mask of the voxels of an array of `shape` outside `core`."""
    mask = np.ones(shape, dtype=bool)
    mask[core] = False
    return mask


def label_block(block_id: int, job: CCJob) -> int:
    """Pass 1: label one block with its halo; store its labels; return its number of ids."""
    box = job.grid.boxes[block_id]
    outer = job.grid.grown(box, HALO)
    prediction = np.asarray(job.prediction[(slice(None), *as_slices(outer))])
    labels = decoder_spec(job.decoder).labelling()(prediction, **job.kwargs)
    labels, _ = fastremap.renumber(labels, preserve_zero=True)
    labels = labels.astype(np.uint32, copy=False)
    core = _core_in(box, outer)
    open_array(job.store, "fragments")[as_slices(box)] = labels[core]
    halo = labels[_shell(labels.shape, core)]
    store = BlockStore.reopen(job.store)
    store.put_block("halo", block_id, halo)
    count = int(labels.max())
    open_array(job.store, "fragment_counts")[block_id] = count
    open_array(job.store, "fragments_done")[block_id] = 1
    return count


def pair_block(block_id: int, job: CCJob, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pass 2: (global id pairs joined across the block's faces, voxels per id of the block)."""
    box = job.grid.boxes[block_id]
    outer = job.grid.grown(box, HALO)
    local = np.asarray(open_array(job.store, "fragments")[as_slices(outer)]).astype(np.int64)
    owners = job.grid.owner_ids(outer)
    global_ids = np.where(local > 0, local + offsets[owners], 0)
    core = _core_in(box, outer)
    halo = BlockStore.reopen(job.store).get_block("halo", block_id).astype(np.int64)
    halo = np.where(halo > 0, halo + offsets[block_id], 0)
    pairs = unique_pairs(halo, global_ids[_shell(local.shape, core)])
    sizes = np.bincount(local[core].ravel())
    return pairs, sizes


def relabel_block(block_id: int, job: CCJob, offsets: np.ndarray) -> None:
    """Pass 3: write the block's final ids (read from the stored lookup) and mark it done."""
    box = job.grid.boxes[block_id]
    local = np.asarray(open_array(job.store, "fragments")[as_slices(box)])
    start = int(offsets[block_id])
    # the block's global ids are start + 1 .. start + local.max(): one slice of the lookup
    lookup = np.asarray(open_array(job.store, "lookup")[start : start + int(local.max()) + 1])
    lookup[0] = 0
    open_array(job.store, job.key)[as_slices(box)] = lookup[local]
    open_array(job.store, f"{job.key}_done")[block_id] = 1


def stitch_blocks(job: CCJob, engine: Engine, counts: np.ndarray, min_size: int) -> int:
    """Pass 2: join ids across blocks; store the lookup to consecutive ids; objects found."""
    offsets = offsets_of(counts)
    n_ids = int(counts.sum())
    results = engine.map(pair_block, range(len(job.grid)), {"job": job, "offsets": offsets})
    sizes = np.zeros(n_ids + 1, dtype=np.int64)
    pairs = []
    for block_id, (block_pairs, block_sizes) in enumerate(results):
        ids = offsets[block_id] + np.arange(1, len(block_sizes))
        sizes[ids] = block_sizes[1:]
        pairs.append(block_pairs)
    components = merge_pairs(n_ids, np.concatenate(pairs) if pairs else np.zeros((0, 2)))
    del pairs, results
    return write_lookup(BlockStore.reopen(job.store), final_lookup(components, sizes, min_size))


def write_lookup(store: BlockStore, lookup: np.ndarray) -> int:
    """Store the final lookup for the relabel pass; the number of objects."""
    store.put_lookup(lookup)
    return int(lookup.max()) if len(lookup) else 0


def finished_report(store: BlockStore, key: str, n: int) -> BlockwiseReport | None:
    """The report of a store whose result `key` is complete (a resumed, finished run), or None."""
    if store.done(key, n).all() and "n_objects" in store.group.attrs:
        return BlockwiseReport(
            store.path, key, n, [], list(range(n)), int(store.group.attrs["n_objects"])
        )
    return None


@dataclass
class FragmentPlan:
    """Blocks still to label (`todo`), already labelled (`skipped`), still to relabel."""

    todo: list[int]
    skipped: list[int]
    relabel: list[int]


def prepare_fragments(store: BlockStore, grid: BlockGrid, key: str) -> FragmentPlan:
    """Create the fragment, count and result arrays (kept when resuming) and plan the blocks."""
    n = len(grid)
    result_done = store.done(key, n)
    store.array("fragments", grid.shape, grid.block, np.uint32)
    store.array("fragment_counts", (n,), (1,), np.int64)
    store.array(key, grid.shape, grid.block, np.uint32)
    store.flags(key, n)
    done = store.done("fragments", n)
    return FragmentPlan(
        [b for b in range(n) if not done[b]],
        [b for b in range(n) if done[b]],
        [b for b in range(n) if not result_done[b]],
    )


def run_labelling(
    spec: DecoderSpec,
    prediction: Volume,
    store: BlockStore,
    grid: BlockGrid,
    key: str,
    engine: Engine,
    kwargs: dict[str, Any],
) -> BlockwiseReport:
    """The three passes of an exact blockwise labelling with `spec`'s per-block labeller and
    its resolved `kwargs` (min_size applies once, after stitching), skipping blocks done."""
    n = len(grid)
    kwargs = dict(kwargs)
    min_size = int(kwargs.pop("min_size"))
    finished = finished_report(store, key, n)
    if finished is not None:
        return finished
    plan = prepare_fragments(store, grid, key)
    todo = plan.todo
    job = CCJob(prediction, grid, str(store.path), key, spec.name, kwargs)
    laps = Laps()
    engine.map(label_block, todo, {"job": job})
    laps.lap("fragments")
    counts = np.asarray(store.group["fragment_counts"][:], dtype=np.int64)
    n_objects = stitch_blocks(job, engine, counts, min_size)
    laps.lap("stitch")
    engine.map(relabel_block, plan.relabel, {"job": job, "offsets": offsets_of(counts)})
    laps.lap("relabel")
    store.group.attrs["n_objects"] = n_objects
    return BlockwiseReport(store.path, key, n, todo, plan.skipped, n_objects, laps.seconds)
