"""Sliding-window inference: speed against the bare model, peak memory against volume size.

Run: .venv/bin/python benchmarks/bench_inference.py  (prints ratios; not a test)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from machine import at_load, header

from connectomics.data.inference import predict_to_store, predict_volume
from connectomics.data.inference.window_grid import WindowGrid

WINDOW = (16, 64, 64)
MEMORY_WINDOW = (16, 32, 32)
MEMORY_CHUNK = (32, 64, 64)
MEMORY_SHAPES = [(32, 64, 64), (64, 128, 128), (128, 256, 256)]  # each 8x the previous


def speed_model() -> torch.nn.Module:
    """A small 3D conv net: enough work per window for a meaningful ratio."""
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv3d(1, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.Conv3d(16, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.Conv3d(16, 2, 1),
    ).eval()


def bare_forward_seconds(
    model: torch.nn.Module,
    image: np.ndarray,
    batch_size: int,
    window: tuple[int, ...] = WINDOW,
    overlap: float | tuple[float, ...] = 0.5,
) -> float:
    """Time of the model alone over the same windows, pre-extracted into batches."""
    overlaps = (overlap,) * len(window) if isinstance(overlap, float) else tuple(overlap)
    grid = WindowGrid.build(image.shape, window, overlaps, (0,) * len(window))
    windows = grid.windows_touching(tuple((0, s) for s in image.shape))
    data = torch.from_numpy(image)[None]
    batches = []
    for first in range(0, len(windows), batch_size):
        group = windows[first : first + batch_size]
        batches.append(
            torch.stack(
                [
                    data[(slice(None), *(slice(s, s + w) for s, w in zip(st, window)))]
                    for st in group
                ]
            )
        )
    with torch.inference_mode():
        start = time.perf_counter()
        for batch in batches:
            model(batch)
        return time.perf_counter() - start


def bench_speed(repeats: int) -> None:
    """Voxels/s of predict_volume relative to the bare forward over the same windows."""
    image = np.random.default_rng(0).random((32, 160, 160), dtype=np.float32)
    model = speed_model()
    options = dict(window_size=WINDOW, overlap=0.5, batch_size=4, activation="sigmoid")
    predict_volume(model, image[:16, :64, :64], **options)  # warm-up of both paths
    bare_forward_seconds(model, image[:16, :64, :64], 4)
    bare, engine = [], []
    for _ in range(repeats):  # interleaved, so both see the same machine load
        bare.append(bare_forward_seconds(model, image, 4))
        start = time.perf_counter()
        predict_volume(model, image, **options)
        engine.append(time.perf_counter() - start)
    bare = min(bare)
    best = min(engine)
    print(header())
    print(
        f"speed: volume {image.shape}, window {WINDOW}, overlap 0.5, batch 4, "
        f"{torch.get_num_threads()} threads"
    )
    print(f"  bare forward   {bare:7.3f} s   {image.size / bare / 1e6:7.2f} Mvoxel/s")
    print(f"  sliding window {best:7.3f} s   {image.size / best / 1e6:7.2f} Mvoxel/s")
    print(f"  ratio sliding/bare voxels per second: {bare / best:.3f} (goal >= 0.9){at_load()}")


def _peak_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return -1


def memory_child(image_path: str, out_path: str) -> None:
    """One size in a fresh process: chunked prediction from a lazy Zarr input, print peak RSS."""
    import zarr

    torch.set_num_threads(1)
    image = zarr.open_array(image_path, mode="r")
    before = _peak_rss_kib()
    torch.manual_seed(0)
    model = torch.nn.Conv3d(1, 2, 3, padding=1)
    predict_to_store(
        model,
        image,
        out_path,
        MEMORY_CHUNK,
        window_size=MEMORY_WINDOW,
        overlap=0.5,
        activation="sigmoid",
        output_dtype="uint8",
    )
    print(before, _peak_rss_kib())


def bench_memory() -> None:
    """Peak resident memory while the input grows 8x per step at a fixed chunk size."""
    import zarr

    print(f"memory: chunk {MEMORY_CHUNK}, window {MEMORY_WINDOW}, zarr in -> zarr uint8 out")
    peaks, extras = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for shape in MEMORY_SHAPES:
            image_path = str(Path(tmp) / f"in_{shape[0]}.zarr")
            image = zarr.create_array(image_path, shape=shape, dtype="u1", chunks=MEMORY_CHUNK)
            rng = np.random.default_rng(0)
            for z in range(0, shape[0], MEMORY_CHUNK[0]):
                slab = image[z : z + MEMORY_CHUNK[0]]
                image[z : z + MEMORY_CHUNK[0]] = rng.integers(0, 255, slab.shape, dtype=np.uint8)
            out = str(Path(tmp) / f"out_{shape[0]}.zarr")
            start = time.perf_counter()
            result = subprocess.run(
                [sys.executable, __file__, "--memory-child", image_path, out],
                capture_output=True,
                text=True,
                check=True,
            )
            seconds = time.perf_counter() - start
            before, peak = (int(v) for v in result.stdout.split()[-2:])
            peaks.append(peak)
            extras.append(peak - before)
            voxels = int(np.prod(shape))
            print(
                f"  input {str(shape):16} {voxels / 1e6:6.2f} Mvoxel  peak RSS "
                f"{peak / 1024:7.1f} MiB (after imports {before / 1024:7.1f} MiB)  {seconds:5.1f} s"
            )
    growth = MEMORY_SHAPES[-1][0] ** 3 // MEMORY_SHAPES[0][0] ** 3
    print(
        f"  for {growth}x the input: peak RSS {peaks[-1] / peaks[0]:.3f}x, memory above the "
        f"imports {extras[0] / 1024:.1f} -> {extras[-1] / 1024:.1f} MiB (goal: flat)"
    )


def main() -> None:
    """Run the speed and memory benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--memory-child", nargs=2, metavar=("IMAGE", "OUT"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    bench_speed(args.repeats)
    bench_memory()


if __name__ == "__main__":
    main()
