"""Identity of an inference input: path, dataset key, shape, dtype and a content fingerprint."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

FINGERPRINT_SAMPLES = 8
FINGERPRINT_SIZE = 16


def content_fingerprint(image: Any, samples: int = FINGERPRINT_SAMPLES) -> str:
    """Hash of a few small blocks at fixed, shape-derived positions (first, last and seeded
    random ones): cheap on huge lazy volumes, yet different for two different volumes."""
    shape = tuple(int(s) for s in image.shape)
    block = tuple(min(FINGERPRINT_SIZE, s) for s in shape)
    rng = np.random.default_rng(list(shape))
    origins = [tuple(0 for _ in shape), tuple(s - b for s, b in zip(shape, block))]
    origins += [
        tuple(int(rng.integers(0, s - b + 1)) for s, b in zip(shape, block))
        for _ in range(max(samples - 2, 0))
    ]
    digest = hashlib.blake2b(digest_size=16)
    for origin in origins:
        region = tuple(slice(o, o + b) for o, b in zip(origin, block))
        digest.update(np.ascontiguousarray(np.asarray(image[region])).tobytes())
    return digest.hexdigest()


def input_identity(image: Any) -> dict[str, Any]:
    """What binds a prediction store to the volume it was computed from."""
    path = getattr(image, "path", None)
    return {
        "path": str(Path(str(path)).resolve()) if path is not None else None,
        "key": getattr(image, "key", None),
        "shape": [int(s) for s in image.shape],
        "dtype": str(np.dtype(image.dtype)),
        "fingerprint": content_fingerprint(image),
    }
