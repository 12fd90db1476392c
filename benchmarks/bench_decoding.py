"""Decoding time of a 250^3 affinity map for each affinity decoder.

Run: .venv/bin/python benchmarks/bench_decoding.py [size]   (prints times; not a test)
"""

from __future__ import annotations

import sys
import time

import numpy as np
from machine import at_load, header
from skimage.metrics import adapted_rand_error

from connectomics.data.decoding import decode
from connectomics.data.synthetic import make_neuron_volume
from connectomics.data.targets import compute_affinities

NEAREST = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
LONG_RANGE = NEAREST + [[3, 0, 0], [0, 9, 0], [0, 0, 9]]


def main(size: int = 250) -> None:
    """Affinities of a synthetic neuron volume (mildly noisy), decoded by each decoder."""
    _, label = make_neuron_volume((size, size, size), seed=0)
    rng = np.random.default_rng(0)
    affs, _ = compute_affinities(label, LONG_RANGE)
    affs = np.clip(affs + rng.normal(0, 0.1, affs.shape).astype(np.float32), 0, 1)
    print(header())
    print(f"volume {label.shape}, {int(label.max())} cells, noise sigma 0.1")
    runs = [
        ("affinity_cc", affs[:3], {}),
        ("affinity_waterz", affs[:3], {}),
        ("affinity_mws", affs[:3], {}),
        ("affinity_mws", affs, {"offsets": LONG_RANGE}),
    ]
    for name, prediction, kwargs in runs:
        start = time.perf_counter()
        seg = decode(name, prediction, **kwargs)
        seconds = time.perf_counter() - start
        error = adapted_rand_error(label, seg)[0]
        channels = prediction.shape[0]
        print(
            f"{name:16s} {channels} ch  {seconds:7.2f} s  {int(seg.max()):6d} segments  "
            f"adapted Rand error {error:.4f}{at_load()}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 250)
