"""Speed of our adapted Rand error and VOI against scikit-image on one 250^3 label pair.

Run: .venv/bin/python benchmarks/bench_metrics.py   (prints times and ratios; not a test)
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from machine import at_load, header
from skimage.metrics import adapted_rand_error as sk_adapted_rand
from skimage.metrics import variation_of_information as sk_voi

from connectomics.metrics import adapted_rand_error, voi

SHAPE = (250, 250, 250)


def label_pair(shape: tuple[int, int, int], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Ground truth of blocky bodies and a segmentation that splits and merges some of them."""
    rng = np.random.default_rng(seed)
    block = 25
    coarse = rng.integers(1, 2000, [s // block for s in shape]).astype(np.uint32)
    gt = np.kron(coarse, np.ones((block,) * 3, np.uint32))
    gt[rng.random(shape) < 0.02] = 0
    seg = (gt // 2).astype(np.uint64)
    seg[:, :, shape[2] // 2 :] += np.uint64(5000)
    return np.roll(seg, 1, axis=0), gt


def timed(function: Callable[[], object]) -> tuple[float, object]:
    """Seconds one call takes, and its result."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main() -> None:
    """Time both implementations on the same pair and print the ratios."""
    seg, gt = label_pair(SHAPE)
    print(header())
    print(f"label pair {SHAPE}: {len(np.unique(gt))} gt ids, {len(np.unique(seg))} seg ids")
    rows = [
        (
            "adapted_rand",
            lambda: adapted_rand_error(seg, gt).error,
            lambda: sk_adapted_rand(gt, seg)[0],
        ),
        ("voi", lambda: voi(seg, gt).total, lambda: float(sum(sk_voi(gt, seg)))),
    ]
    for name, ours, reference in rows:
        ours_s, ours_value = timed(ours)
        ref_s, ref_value = timed(reference)
        print(
            f"{name:<13} connectomics {ours_s:7.2f} s   scikit-image {ref_s:7.2f} s   "
            f"speed-up x{ref_s / ours_s:5.1f}   |difference| {abs(ours_value - ref_value):.1e}{at_load()}"
        )


if __name__ == "__main__":
    main()
