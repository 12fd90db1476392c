"""How many torch threads a command uses when `system.num_threads` is not set."""

from __future__ import annotations

import os


def free_cores() -> int:
    """Cores of this process's CPU set that the 1-minute load average leaves free (at least 1).

    Oversubscribed threads are slower than fewer threads: with one of two cores busy, the demo
    trained at 1.1 it/s on two threads and at 2.5 it/s on one.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover - no load average on this platform
        return cores
    return max(1, min(cores, int(cores - load + 0.5)))


def default_threads() -> int | None:
    """The thread count for torch: None when the user chose one (OMP_NUM_THREADS), else the free cores."""
    if os.environ.get("OMP_NUM_THREADS") or os.environ.get("MKL_NUM_THREADS"):
        return None
    return free_cores()
