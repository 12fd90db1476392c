"""Our Lightning training step against a bare forward+backward+AdamW loop, in one process.

Same network (rsunet at PyTC's size: filters [16, 32, 64, 128], 3 affinities, patch
32 x 128 x 128, batch 2, float32) and the same batch: the bare loop trains on the first batch
the data module yields, with BCE on the logits; the Lightning step is the full `fit` loop
(loading, augmenting and target computation included, timed between consecutive step ends).
Bare steps run before and after `fit` so both see the same machine load; the data
module's batches are also timed alone (main process, as with num_workers 0).

Run with any checkout's interpreter (it only uses APIs older commits have), e.g.
    .venv/bin/python benchmarks/bench_train_step.py --label new
    /work/wt/ref/.venv/bin/python benchmarks/bench_train_step.py --label ref
    .venv/bin/python benchmarks/bench_train_step.py --profile 4   (cProfile of 4 steps)
Prints one JSON line (and writes it with --out): step and bare seconds (median and mean),
their ratio, peak RSS, load averages and the machine. Not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import torch  # noqa: E402
from bench_predict_250 import PYTC_SIZE  # noqa: E402
from machine import cpu_seconds, load, machine, peak_rss_gib  # noqa: E402


def medulla(folder: Path) -> Path:
    """The FIB-SEM medulla crops that ship with connectomics-data, unpacked into `folder`."""
    from connectomics.data.download.dataset import download

    return Path(download("fibsem_medulla", folder))


def config(data: Path, workdir: Path, steps: int, overrides: list[str]):
    """neurons_cpu at PyTC's size on the medulla crop, no validation, `steps` optimizer steps."""
    from connectomics.config import load_config

    return load_config(
        "neurons_cpu",
        overrides=[
            *PYTC_SIZE,
            f"data.train_image={data / 'train.h5'}",
            f"data.train_label={data / 'train.h5'}",
            "data.val_split=null",
            "data.test_image=null",
            "data.test_label=null",
            "data.pad_mode=reflect",  # the 128-voxel patch is wider than the 100-voxel crop
            "training.max_time=null",
            f"training.max_steps={steps}",
            "decoding.tune.enabled=false",
            "logging.progress_bar=false",
            f"logging.save_dir={workdir}",
            *overrides,
        ],
    )


def bare_steps(model: torch.nn.Module, images, labels, n: int) -> list[float]:
    """Seconds of `n` forward+backward+AdamW steps on one fixed batch (BCE on the logits)."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    ticks = []
    for _ in range(n):
        start = time.perf_counter()
        optimizer.zero_grad()
        logits = model(images)
        if isinstance(logits, (list, tuple)):
            logits = logits[0]
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits[:, : labels.shape[1]], labels
        )
        loss.backward()
        optimizer.step()
        ticks.append(time.perf_counter() - start)
    return ticks


def lightning_steps(cfg, profile: bool) -> tuple[list[float], float, str]:
    """Seconds between consecutive step ends of `fit`; its CPU seconds; a cProfile table."""
    from pytorch_lightning import Callback

    from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer

    class StepClock(Callback):
        def __init__(self) -> None:
            self.ends: list[float] = []

        def on_train_batch_end(self, *args) -> None:
            self.ends.append(time.perf_counter())

    clock = StepClock()
    torch.manual_seed(0)
    module = ConnectomicsModule(cfg)
    trainer = create_trainer(
        cfg, logger=False, enable_checkpointing=False, callbacks=[clock], limit_val_batches=0
    )
    profiler = cProfile.Profile() if profile else None
    cpu_start = cpu_seconds()
    if profiler:
        profiler.enable()
    trainer.fit(module, datamodule=ConnectomicsDataModule(cfg))
    if profiler:
        profiler.disable()
    cpu = cpu_seconds() - cpu_start
    table = ""
    if profiler:
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(45)
        table = stream.getvalue()
    return [b - a for a, b in zip(clock.ends, clock.ends[1:])], cpu, table


def loader_batches(cfg, n: int):
    """The first (images, labels) batch of the data module, as `fit` would see it, and the
    seconds of each of the next `n` batches (crop, augmentation, targets, collation)."""
    from connectomics.lightning import ConnectomicsDataModule

    datamodule = ConnectomicsDataModule(cfg)
    datamodule.setup("fit")
    batches = iter(datamodule.train_dataloader())
    images, labels = next(batches)  # as training_step unpacks it
    ticks = []
    for _ in range(n):
        start = time.perf_counter()
        next(batches)
        ticks.append(time.perf_counter() - start)
    return images, labels, ticks


def summary(ticks: list[float]) -> dict:
    """Median, mean and count of step seconds."""
    return {
        "median_s": round(statistics.median(ticks), 3),
        "mean_s": round(statistics.fmean(ticks), 3),
        "n": len(ticks),
    }


def main() -> None:
    """Bare steps, the Lightning fit, bare steps again; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="run")
    parser.add_argument("--steps", type=int, default=10, help="timed Lightning steps")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    parser.add_argument("--bare", type=int, default=4, help="timed bare steps, half each side")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "2")))
    parser.add_argument("--profile", action="store_true", help="cProfile the fit (slower)")
    parser.add_argument("--out", type=Path, help="also write the JSON record here")
    parser.add_argument("overrides", nargs="*", help="extra config overrides")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cfg = config(medulla(work / "data"), work / "run", args.warmup + args.steps, args.overrides)
        torch.manual_seed(0)
        from connectomics.models import build_model

        model = build_model(cfg)
        images, labels, loading = loader_batches(cfg, args.bare)
        half = max(1, args.bare // 2)
        load_start = load()
        bare = bare_steps(model, images, labels, half + 1)[1:]  # the first warms up
        steps, fit_cpu, table = lightning_steps(cfg, args.profile)
        load_mid = load()
        bare += bare_steps(model, images, labels, half + 1)[1:]
    timed = steps[args.warmup - 1 :] if args.warmup > 0 else steps
    step, reference = summary(timed), summary(bare)
    record = {
        "label": args.label,
        "step": step,
        "bare": reference,
        "step_over_bare_median": round(step["median_s"] / reference["median_s"], 3),
        "step_over_bare_mean": round(step["mean_s"] / reference["mean_s"], 3),
        "loader": summary(loading),
        "loader_over_bare_median": round(statistics.median(loading) / reference["median_s"], 3),
        "fit_cpu_s": round(fit_cpu, 2),
        "parameters": sum(p.numel() for p in model.parameters()),
        "batch": list(images.shape),
        "peak_rss_gib": round(peak_rss_gib(), 3),
        "load_start": load_start,
        "load_mid": load_mid,
        "load_end": load(),
        "profiled": args.profile,
        "overrides": args.overrides,
        "machine": machine(),
    }
    if table:
        print(table, file=sys.stderr)
    line = json.dumps(record)
    print(line, flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(line + "\n")


if __name__ == "__main__":
    main()
