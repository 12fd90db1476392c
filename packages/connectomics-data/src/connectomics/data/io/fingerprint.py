"""A cheap content fingerprint of a lazy volume: shape, dtype and a hash of sampled boxes."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import numpy as np

# Edge of each sampled box, and the positions per axis (start, middle, end): 3**3 boxes of
# <= 16**3 voxels per channel, so a changed prediction is told apart without reading it all.
SAMPLE_EDGE = 16
POSITIONS = (0.0, 0.5, 1.0)


def content_fingerprint(volume: Any) -> str:
    """Hex digest of `volume`'s shape, dtype and 27 boxes spread over its spatial axes
    (a leading channel axis is read whole); equal volumes give equal digests."""
    shape = tuple(int(s) for s in volume.shape)
    spatial = shape[-3:] if len(shape) >= 3 else shape
    lead = len(shape) - len(spatial)
    digest = hashlib.blake2b(f"{shape}|{np.dtype(volume.dtype).str}".encode(), digest_size=16)
    starts = [sorted({int(round(p * max(0, s - SAMPLE_EDGE))) for p in POSITIONS}) for s in spatial]
    for corner in itertools.product(*starts):
        box = tuple(slice(c, min(c + SAMPLE_EDGE, s)) for c, s in zip(corner, spatial))
        block = np.ascontiguousarray(volume[(slice(None),) * lead + box])
        digest.update(block.tobytes())
    return digest.hexdigest()
