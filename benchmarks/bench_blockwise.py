"""Blockwise vs whole-volume decoding: time and peak memory, growth with volume, scaling.

Each measurement runs in its own process (peak RSS is per process). Run:
    .venv/bin/python benchmarks/bench_blockwise.py [size] [block]   (default 250 128; not a test)
Prints time and peak RSS of whole-volume and blockwise decoding of a size^3 affinity map
(noisy affinities of a synthetic neuron volume), their ratios, the blockwise peak RSS on a
volume 8x smaller (growth), and a 1- vs 2-worker dask.distributed LocalCluster.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def prepare(size: int, folder: Path) -> None:
    """Write noisy nearest-neighbour affinities (3, size^3) and the labels as Zarr stores."""
    from connectomics.data.io import write_volume
    from connectomics.data.synthetic import make_neuron_volume
    from connectomics.data.targets import compute_affinities

    _, label = make_neuron_volume((size, size, size), seed=0)
    affs, _ = compute_affinities(label, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    affs += np.random.default_rng(0).normal(0, 0.1, affs.shape).astype(np.float32)
    write_volume(folder / "affs.zarr", np.clip(affs, 0, 1), chunks=(3, 64, 64, 64))
    write_volume(folder / "label.zarr", label, chunks=(64, 64, 64))


def peak_mib() -> float:
    """Peak resident memory of this process in MiB (VmHWM: unlike ru_maxrss, not inherited
    from the parent across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(mode: str, folder: str, decoder: str, block: int, workers: int) -> None:
    """One measurement in this process; prints a JSON line."""
    from connectomics.data.blockwise import Engine, decode_blockwise
    from connectomics.data.decoding import decode
    from connectomics.data.io import read_volume, write_volume

    base = Path(folder)
    imported = peak_mib()
    start = time.perf_counter()
    output = base / f"{mode}-{decoder}-{workers}.zarr"
    if mode == "whole":
        write_volume(output, decode(decoder, read_volume(base / "affs.zarr")), overwrite=True)
        seg = f"{output}"
    elif mode == "cluster":
        from distributed import LocalCluster

        with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as c:
            begin = time.perf_counter()
            engine = Engine(scheduler=c.scheduler_address, progress=False)
            decode_blockwise(base / "affs.zarr", output, decoder, block, engine, True)
            seconds = time.perf_counter() - begin  # the cluster start-up is not counted
        seg = f"{output}:segmentation"
    else:
        engine = Engine(num_workers=workers, progress=False)
        decode_blockwise(base / "affs.zarr", output, decoder, block, engine, overwrite=True)
        seg = f"{output}:segmentation"
    if mode != "cluster":
        seconds = time.perf_counter() - start
    peak = peak_mib()
    from connectomics.data.blockwise import evaluate_blockwise  # imports torch: after the peak

    error = evaluate_blockwise(seg, base / "label.zarr", ["adapted_rand"], 128)["adapted_rand"]
    print(
        json.dumps(
            {"seconds": seconds, "peak_mib": peak, "import_mib": imported, "adapted_rand": error}
        )
    )


def run(mode: str, folder: Path, decoder: str, block: int, workers: int = 2) -> dict:
    """`measure` in a fresh process."""
    args = [
        sys.executable,
        __file__,
        "measure",
        mode,
        str(folder),
        decoder,
        str(block),
        str(workers),
    ]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def show(name: str, r: dict) -> None:
    print(
        f"{name:34s} {r['seconds']:8.1f} s {r['peak_mib']:8.0f} MiB peak RSS "
        f"({r['peak_mib'] - r['import_mib']:6.0f} above imports)  "
        f"adapted Rand {r['adapted_rand']:.4f}"
    )


def main(size: int = 250, block: int = 128) -> None:
    """All measurements and their ratios."""
    with tempfile.TemporaryDirectory(prefix="bench-blockwise-") as tmp:
        big, small = Path(tmp) / "big", Path(tmp) / "small"
        prepare(size, big)
        prepare(size // 2, small)
        print(f"affinities (3, {size}^3) float32, blocks {block}^3, 2 threads")
        for decoder in ("affinity_cc", "affinity_waterz"):
            whole = run("whole", big, decoder, block)
            blocks = run("blocks", big, decoder, block)
            show(f"{decoder} whole volume", whole)
            show(f"{decoder} blockwise", blocks)
            print(
                f"  ratio blockwise/whole: time {blocks['seconds'] / whole['seconds']:.2f}, "
                f"peak RSS {blocks['peak_mib'] / whole['peak_mib']:.2f}"
            )
        eighth = run("blocks", small, "affinity_waterz", block)
        full = run("blocks", big, "affinity_waterz", block)
        show(f"affinity_waterz blockwise {size // 2}^3", eighth)
        print(
            f"  peak RSS growth for an 8x larger volume: {full['peak_mib'] / eighth['peak_mib']:.2f}x"
        )
        one = run("cluster", big, "affinity_waterz", block, 1)
        two = run("cluster", big, "affinity_waterz", block, 2)
        show("LocalCluster 1 worker", one)
        show("LocalCluster 2 workers", two)
        print(f"  strong scaling 1 -> 2 workers: speed-up {one['seconds'] / two['seconds']:.2f}x")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "measure":
        measure(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
    else:
        main(*(int(a) for a in sys.argv[1:3]))
