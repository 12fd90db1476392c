"""Helpers of the blockwise tests."""

from __future__ import annotations

import numpy as np


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """True when a and b are the same labelling up to a renaming (0 stays background)."""
    if not np.array_equal(a == 0, b == 0):
        return False
    pairs = np.unique(np.stack([a.ravel(), b.ravel()], axis=1), axis=0)
    return len(pairs) == len(np.unique(pairs[:, 0])) == len(np.unique(pairs[:, 1]))


def killed_run(prediction_path: str, output: str, reads: int) -> None:
    """Decode blockwise and SIGKILL this process at the `reads`-th block read (a lost node)."""
    import os
    import signal

    from connectomics.data.blockwise import Engine, decode_blockwise
    from connectomics.data.io import open_volume
    from connectomics.data.io.zarr_store import ZarrVolume

    class KilledAfter(ZarrVolume):
        def _read(self, region):
            nonlocal reads
            reads -= 1
            if reads < 0:
                os.kill(os.getpid(), signal.SIGKILL)
            return super()._read(region)

    from connectomics.data.io.fingerprint import content_fingerprint

    class Counted(ZarrVolume):
        count = 0

        def _read(self, region):
            Counted.count += 1
            return super()._read(region)

    volume = open_volume(prediction_path)
    volume.__class__ = Counted
    content_fingerprint(volume)
    reads += Counted.count  # the run's content fingerprint reads first, then the blocks
    volume.__class__ = KilledAfter
    engine = Engine(scheduler="synchronous")
    decode_blockwise(volume, output, "affinity_cc", 8, engine, threshold=0.7)
