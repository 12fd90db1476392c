"""Blockwise decoding at scale: time and peak memory, growth with the volume, 1 -> 2 workers.

Every measurement runs in a fresh process, so each reports its own peak RSS (VmHWM, not a
high-water mark shared with the other sizes). The input is noisy nearest-neighbour
affinities of a synthetic neuron volume (dense cells, one-voxel boundaries), stored as a
chunked Zarr array on disk; the decoder is blockwise ``affinity_waterz`` (watershed fragments
per block, region graph, mean-affinity agglomeration, relabel).

Figures (written as JSON, default benchmarks/results/blockwise-<mode>.json):
- growth: blockwise peak RSS of a volume and of one 8x larger (same block size), and the ratio;
- decode: time, peak RSS and adapted Rand error of a size^3 map on the local threads engine
  (2 threads), time per pass;
- scaling: a dask.distributed LocalCluster of 1 and then 2 worker processes (1 thread each) on
  the same map in one process, the speed-up, the load average beside it and the cores each
  configuration actually got (CPU seconds of workers and driver over wall seconds: the
  machine's cores are shared with other work).

Run:  uv run --frozen python benchmarks/bench_blockwise.py               (short: seconds)
      uv run --frozen python benchmarks/bench_blockwise.py --mode full   (128^3 -> 256^3, 250^3)
Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from machine import machine

MODES = {
    # sizes of the growth pair, its block; size and block of the decode and scaling runs
    "short": {"growth": [32, 64], "growth_block": 16, "decode": 48, "block": 24},
    "full": {"growth": [128, 256], "growth_block": 64, "decode": 250, "block": 64},
}


def prepare(size: int, folder: Path) -> None:
    """Write noisy nearest-neighbour affinities (3, size^3) and the labels as Zarr stores."""
    from connectomics.data.io import write_volume
    from connectomics.data.synthetic import make_neuron_volume
    from connectomics.data.targets import compute_affinities

    _, label = make_neuron_volume((size, size, size), seed=0)
    affs, _ = compute_affinities(label, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    affs += np.random.default_rng(0).normal(0, 0.1, affs.shape).astype(np.float32)
    chunk = min(64, size)
    write_volume(folder / "affs.zarr", np.clip(affs, 0, 1), chunks=(3, chunk, chunk, chunk))
    write_volume(folder / "label.zarr", label, chunks=(chunk, chunk, chunk))


def peak_mib() -> float:
    """Peak resident memory of this process in MiB (ru_maxrss, KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU seconds (user + system, all threads) this process has used."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def adapted_rand(seg: str, folder: Path) -> float:
    """Adapted Rand error of a blockwise segmentation against the labels, block by block."""
    from connectomics.data.blockwise import evaluate_blockwise

    return evaluate_blockwise(seg, folder / "label.zarr", ["adapted_rand"], 64)["adapted_rand"]


def decode_threads(folder: str, block: int) -> dict:
    """One blockwise decode on the local threads engine (2 threads), in this process."""
    from connectomics.data.blockwise import Engine, decode_blockwise

    base = Path(folder)
    imported = peak_mib()
    cpu_before = cpu_seconds()
    output = base / "threads.zarr"
    start = time.perf_counter()
    engine = Engine(num_workers=2, progress=False)
    report = decode_blockwise(base / "affs.zarr", output, "affinity_waterz", block, engine, True)
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu_before
    peak = peak_mib()  # before scoring, which imports torch
    return {
        "seconds": seconds,
        # CPU seconds of all threads: on 2 free cores the decode takes about cpu_s / 2 or more
        "cpu_s": cpu,
        "peak_rss_mib": peak,
        "import_rss_mib": imported,
        "passes_s": report.seconds,
        "blocks": report.n_blocks,
        "objects": report.n_objects,
        "adapted_rand": adapted_rand(f"{output}:segmentation", base),
    }


def cluster_scaling(folder: str, block: int) -> dict:
    """The same decode on a LocalCluster of 1 and of 2 worker processes (1 thread each),
    alternated 1, 2, 2, 1; the best time of each (the cores are shared with other work)."""
    from distributed import Client, LocalCluster

    from connectomics.data.blockwise import Engine, decode_blockwise

    base = Path(folder)
    runs: dict[int, list[dict]] = {1: [], 2: []}
    load_before = os.getloadavg()
    for workers in (1, 2, 2, 1):
        with LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            with Client(cluster) as client:  # workers import the decoders before the clock
                client.run(lambda: __import__("connectomics.data.blockwise.agglomerate"))
                client.run(lambda: __import__("waterz"))
                before = sum(client.run(cpu_seconds).values()) + cpu_seconds()
                engine = Engine(scheduler=cluster.scheduler_address, progress=False)
                start = time.perf_counter()
                output = base / f"cluster-{workers}.zarr"
                report = decode_blockwise(
                    base / "affs.zarr", output, "affinity_waterz", block, engine, True
                )
                seconds = time.perf_counter() - start
                cpu = sum(client.run(cpu_seconds).values()) + cpu_seconds() - before
        # cores this configuration actually got (workers and driver), whatever else ran
        runs[workers].append(
            {"seconds": seconds, "passes_s": report.seconds, "cores": cpu / seconds}
        )
    best = {w: min(runs[w], key=lambda r: r["seconds"]) for w in runs}
    return {
        "workers_1_s": best[1]["seconds"],
        "workers_2_s": best[2]["seconds"],
        "speedup_1_to_2": best[1]["seconds"] / best[2]["seconds"],
        "passes_s": {str(w): best[w]["passes_s"] for w in best},
        "runs_s": {str(w): [r["seconds"] for r in runs[w]] for w in runs},
        "cores_used": {str(w): [r["cores"] for r in runs[w]] for w in runs},
        "driver_peak_rss_mib": peak_mib(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "cpu_count": os.cpu_count(),
    }


def in_child(kind: str, folder: Path, block: int) -> dict:
    """`decode_threads` or `cluster_scaling` in a fresh process (its own peak RSS)."""
    args = [sys.executable, __file__, "--child", kind, str(folder), str(block)]
    # waterz prints its progress on stdout: the result is the last line
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    """Run the benchmark in the chosen mode and write its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=sorted(MODES), default="short")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--skip-scaling", action="store_true")
    args = parser.parse_args()
    mode = MODES[args.mode]
    out = args.out or Path(__file__).parent / "results" / f"blockwise-{args.mode}.json"
    report: dict = {"mode": args.mode, "machine": machine(), "load_average": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench-blockwise-") as tmp:
        small, large = (Path(tmp) / f"growth-{s}" for s in mode["growth"])
        for size, folder in zip(mode["growth"], (small, large)):
            prepare(size, folder)
        first = in_child("threads", small, mode["growth_block"])
        second = in_child("threads", large, mode["growth_block"])
        report["growth"] = {
            "sizes": mode["growth"],
            "block": mode["growth_block"],
            "voxels_ratio": (mode["growth"][1] / mode["growth"][0]) ** 3,
            "small": first,
            "large": second,
            "peak_rss_ratio": second["peak_rss_mib"] / first["peak_rss_mib"],
        }
        print(json.dumps(report["growth"], indent=1), flush=True)
        decode = Path(tmp) / f"decode-{mode['decode']}"
        prepare(mode["decode"], decode)
        report["decode"] = {
            "size": mode["decode"],
            "block": mode["block"],
            **in_child("threads", decode, mode["block"]),
        }
        print(json.dumps(report["decode"], indent=1), flush=True)
        if not args.skip_scaling:
            report["scaling"] = {
                "size": mode["decode"],
                "block": mode["block"],
                **in_child("cluster", decode, mode["block"]),
            }
            print(json.dumps(report["scaling"], indent=1), flush=True)
    report["load_average_end"] = os.getloadavg()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, folder, block = sys.argv[2], sys.argv[3], int(sys.argv[4])
        result = decode_threads(folder, block) if kind == "threads" else None
        if kind == "cluster":
            result = cluster_scaling(folder, block)
        print(json.dumps(result))
    else:
        main()
