"""Volumes sized against the memory a step has, before anything is read."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np

from connectomics.data.errors import DataError

# Bytes one box of a chunk or block grid takes in a Python list (a tuple of (start, stop) pairs
# per axis, measured with sys.getsizeof over 3D boxes and rounded up).
BOX_BYTES = 512


def available_memory() -> int:
    """Bytes of memory available to this process now (MemAvailable), 4 GiB if unknown."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 4 << 30


def human_bytes(count: float) -> str:
    """A byte count as e.g. '3.5 GiB' or '3.5e+06 EiB'."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if count < 1024:
            return f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.3g} EiB"


def volume_bytes(shape: Sequence[int], dtype: object) -> int:
    """Bytes of an array of `shape` and `dtype` (exact, no overflow)."""
    return math.prod(int(s) for s in shape) * np.dtype(dtype).itemsize


def require_memory(
    what: str, need: int, step: str, alternative: str, memory: int | None = None
) -> None:
    """Refuse `step` on `what` when it needs more than the available memory (`memory` bytes)."""
    have = available_memory() if memory is None else int(memory)
    if need > have:
        raise DataError(
            f"{what}: {step} needs {human_bytes(need)} of memory but {human_bytes(have)} is "
            f"available; {alternative}"
        )


def require_in_memory(
    what: str,
    shape: Sequence[int],
    dtype: object,
    step: str,
    alternative: str,
    extra_per_voxel: int = 0,
    memory: int | None = None,
) -> None:
    """Refuse reading a whole volume (plus `extra_per_voxel` working bytes) that cannot fit."""
    voxels = math.prod(int(s) for s in shape)
    need = volume_bytes(shape, dtype) + voxels * int(extra_per_voxel)
    require_memory(
        f"{what} of shape {tuple(int(s) for s in shape)} {np.dtype(dtype)}",
        need,
        step,
        alternative,
        memory,
    )


def require_grid(
    what: str,
    shape: Sequence[int],
    block: Sequence[int],
    step: str,
    alternative: str,
    memory: int | None = None,
) -> None:
    """Refuse a grid of blocks over `shape` whose list of boxes alone cannot fit in memory."""
    count = math.prod(math.ceil(int(s) / max(int(b), 1)) for s, b in zip(shape, block))
    have = available_memory() if memory is None else int(memory)
    need = count * BOX_BYTES * len(shape) // 3
    if need > have // 2:
        raise DataError(
            f"{what}: {step} of shape {tuple(int(s) for s in shape)} in blocks of "
            f"{list(int(b) for b in block)} makes {count:.3g} blocks whose list alone needs "
            f"{human_bytes(need)} of memory ({human_bytes(have)} available); {alternative}"
        )
