"""Chunked sliding-window prediction: cost against one whole-volume pass.

Run: .venv/bin/python benchmarks/bench_chunking.py  (prints ratios; not a test)

Each window is computed once whatever the chunking (a window straddling a chunk border is
kept for the next chunk), so chunking should cost about nothing: the ratios of windows run and
of seconds, chunked over whole, should stay near 1 (the chunked prediction is bit-identical).
"""

from __future__ import annotations

import time

import numpy as np
import torch
from machine import at_load, header

from connectomics.data.inference import predict_volume

VOLUME = (32, 160, 160)
WINDOW = (16, 64, 64)
CHUNKS = [(16, 80, 80), (8, 40, 40)]


class CountingNet(torch.nn.Module):
    """A small 3D conv net that counts the windows it runs on."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(
            torch.nn.Conv3d(1, 16, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.Conv3d(16, 2, 1),
        ).eval()
        self.windows = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.windows += x.shape[0]
        return self.net(x)


def timed(chunk: tuple[int, ...] | None, image: np.ndarray) -> tuple[float, int, np.ndarray]:
    """Best of five: seconds, windows run (the same every run), prediction."""
    runs = []
    for _ in range(5):
        model = CountingNet()
        start = time.perf_counter()
        out = predict_volume(model, image, chunk, window_size=WINDOW)
        runs.append((time.perf_counter() - start, model.windows, out))
    counts = {windows for _, windows, _ in runs}
    assert len(counts) == 1, f"windows run changed between repeats: {sorted(counts)}"
    return min(runs, key=lambda run: run[0])


def main() -> None:
    """Whole volume once, then each chunk size, in one run."""
    torch.set_num_threads(2)
    image = np.random.default_rng(0).random(VOLUME, dtype=np.float32)
    whole_s, whole_w, whole = timed(None, image)
    print(header())
    print(f"volume {VOLUME}, window {list(WINDOW)}, overlap 0.5, 2 threads")
    print(f"  whole volume      {whole_s:6.3f} s  {whole_w:4d} windows{at_load()}")
    for chunk in CHUNKS:
        seconds, windows, out = timed(chunk, image)
        same = np.array_equal(out, whole)
        print(
            f"  chunk {str(list(chunk)):13s} {seconds:6.3f} s  {windows:4d} windows  "
            f"ratio time {seconds / whole_s:.2f}, windows {windows / whole_w:.2f}, "
            f"identical: {same}{at_load()}"
        )


if __name__ == "__main__":
    main()
