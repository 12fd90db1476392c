"""When to go blockwise, with which blocks and engine, from a config."""

from __future__ import annotations

from typing import Any

import numpy as np

from connectomics.config.schema import Config
from connectomics.data.blockwise.block_grid import DEFAULT_BLOCK
from connectomics.data.blockwise.executor import Engine
from connectomics.data.io.volume import Volume

GIB = 2**30


def engine_from_config(cfg: Config, scheduler: str | None = None) -> Engine:
    """The Engine of cfg.decoding.scheduler (or `scheduler`) with system.num_threads threads."""
    decoding = getattr(cfg, "decoding", None)
    address = scheduler or (getattr(decoding, "scheduler", None) if decoding else None)
    system = getattr(cfg, "system", None)
    threads = getattr(system, "num_threads", None) if system is not None else None
    return Engine(scheduler=address or None, num_workers=threads)


def blockwise_block_size(
    volume: Volume,
    block_size: Any = None,
    memory_budget: float | None = None,
    force: bool = False,
    spatial_ndim: int | None = None,
) -> list[int] | None:
    """Blocks to process `volume` with, or None to process it in memory.

    Blockwise when `force`, when `block_size` is given, or when the volume is larger than
    `memory_budget` GiB; the block size defaults to DEFAULT_BLOCK voxels per spatial axis.
    """
    ndim = spatial_ndim or (volume.ndim - 1 if volume.ndim == 4 else volume.ndim)
    nbytes = int(np.prod(volume.shape)) * np.dtype(volume.dtype).itemsize
    too_large = memory_budget is not None and nbytes > float(memory_budget) * GIB
    if block_size is None and not (force or too_large):
        return None
    if block_size is None:
        return [DEFAULT_BLOCK] * ndim
    sizes = [int(block_size)] * ndim if np.isscalar(block_size) else [int(b) for b in block_size]
    return sizes


def is_chunked(volume: Volume) -> bool:
    """True for a chunked Zarr or HDF5 array, which can be read block by block cheaply."""
    return getattr(volume, "chunks", None) is not None
