"""Neuron segmentation on a CPU budget: speed at PyTC's model size, and accuracy in fixed time.

Every speed figure is a ratio against a reference measured in the same process (the bare
model on the same tensors), plus the absolute rate for the record. The accuracy case runs the
packaged `neurons_cpu` tutorial through the `connectomics` command: download the FIB-SEM
medulla crops, train for a fixed wall-clock budget, test (predict, decode, score).

Run:  uv run nox -s bench                  (short mode, about 3 minutes)
      uv run nox -s bench -- --mode full   (PyTC-sized case: 15-minute training, 250^3 volume)
Writes JSON (default benchmarks/results/neurons-<mode>.json); not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

# Reference figures of PyTorch Connectomics measured in issue 15 (same kind of 2-core machine,
# fp32, RSUNet at filters [16, 32, 64, 128], patch 32 x 128 x 128, batch 2).
PYTC = {
    "train_step_s": 7.14,
    "bare_forward_s": 1.41,
    "predict_250_cubed_s": 210.0,
    "step_over_bare": 1.12,
    "adapted_rand_error_110_steps": 0.82,
}

MODES = {
    "short": {
        "filters": [16, 32, 64, 128],
        "patch": [16, 64, 64],
        "steps": 6,
        "volume": [64, 128, 128],
        "train_time": "00:00:01:00",
    },
    "full": {
        "filters": [16, 32, 64, 128],
        "patch": [32, 128, 128],
        "steps": 12,
        "volume": [250, 250, 250],
        "train_time": "00:00:15:00",
    },
}


def peak_rss_gib() -> float:
    """Peak resident memory of this process so far, GiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def pytc_sized_config(mode: dict, workdir: Path):
    """neurons_cpu with the rsunet preset at PyTC's widths and the mode's patch."""
    from connectomics.config import load_config

    return load_config(
        "neurons_cpu",
        overrides=[
            "model.architecture=rsunet",
            f"model.filters={mode['filters']}",
            "model.out_channels=3",
            "data.targets.0.kwargs.offsets=[[1,0,0],[0,1,0],[0,0,1]]",
            f"data.patch_size={mode['patch']}",
            f"logging.save_dir={workdir / 'speed'}",
        ],
    )


def training_speed(mode: dict, workdir: Path, medulla: Path) -> dict:
    """Seconds per optimizer step of the Lightning pipeline against bare forward+backward+AdamW."""
    from pytorch_lightning import Callback

    from connectomics.config import create_config
    from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer

    overrides = {
        "data.train_image": str(medulla / "train.h5"),
        "data.train_label": str(medulla / "train.h5"),
        "data.val_split": None,
        "data.test_image": None,
        "data.test_label": None,
        "training.max_time": None,
        "decoding.tune.enabled": False,
        "data.pad_mode": "reflect",  # PyTC's 128-voxel patch is wider than the 100-voxel crop
        "training.max_steps": mode["steps"] + 2,
        "logging.progress_bar": False,
    }
    cfg = create_config(pytc_sized_config(mode, workdir), overrides)

    class StepClock(Callback):
        def __init__(self) -> None:
            self.ends: list[float] = []

        def on_train_batch_end(self, *args) -> None:
            self.ends.append(time.perf_counter())

    clock = StepClock()
    module = ConnectomicsModule(cfg)
    trainer = create_trainer(
        cfg, logger=False, enable_checkpointing=False, callbacks=[clock], limit_val_batches=0
    )
    trainer.fit(module, datamodule=ConnectomicsDataModule(cfg))
    pipeline = float(np.median(np.diff(clock.ends[1:])))  # the first steps warm up

    model = module.model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(int(cfg.data.batch_size), 1, *mode["patch"])
    y = (torch.rand(int(cfg.data.batch_size), 3, *mode["patch"]) > 0.3).float()
    times = []
    for _ in range(mode["steps"]):
        start = time.perf_counter()
        optimizer.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(model(x), y).backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    bare = float(np.median(times[1:]))
    with torch.inference_mode():
        model.eval()
        start = time.perf_counter()
        model(x)
        forward = time.perf_counter() - start
    return {
        "parameters": module.get_model_info()["parameters"],
        "patch": mode["patch"],
        "step_s": pipeline,
        "bare_step_s": bare,
        "step_over_bare": pipeline / bare,
        "patches_per_s": int(cfg.data.batch_size) / pipeline,
        "bare_forward_s": forward,
    }


def inference_speed(mode: dict, workdir: Path) -> dict:
    """Sliding-window prediction of a volume against the bare model on the same windows."""
    from bench_inference import bare_forward_seconds

    from connectomics.data.inference import predict_volume
    from connectomics.lightning import ConnectomicsModule

    cfg = pytc_sized_config(mode, workdir)
    model = ConnectomicsModule(cfg).model.eval()
    rng = np.random.default_rng(0)
    image = rng.random((1, *mode["volume"]), dtype=np.float32)
    window = list(mode["patch"])
    overlap = [float(o) for o in np.broadcast_to(np.asarray(cfg.inference.overlap), (3,))]
    start = time.perf_counter()
    batch = int(cfg.inference.batch_size)
    prediction = predict_volume(
        model, image, window_size=window, overlap=overlap, batch_size=batch, activation="sigmoid"
    )
    engine = time.perf_counter() - start

    # the bare model over the same windows, pre-extracted (bench_inference's reference)
    bare = bare_forward_seconds(model, image[0], batch, tuple(window), tuple(overlap))
    voxels = float(np.prod(mode["volume"]))
    return {
        "volume": mode["volume"],
        "engine_s": engine,
        "bare_s": bare,
        "engine_over_bare": engine / bare,
        "voxels_per_s": voxels / engine,
        "prediction_shape": list(prediction.shape),
    }


def decode_speed(medulla: Path) -> dict:
    """affinity_waterz on noisy affinities of the real test labels: time and peak memory."""
    import h5py

    from connectomics.data.decoding import decode
    from connectomics.data.targets.affinity import compute_affinities

    with h5py.File(medulla / "test.h5", "r") as f:
        label = f["label"][:]
    affs, _ = compute_affinities(label, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    rng = np.random.default_rng(0)
    noisy = np.clip(affs + rng.normal(0, 0.2, affs.shape), 0, 1).astype(np.float32)
    start = time.perf_counter()
    segmentation = decode("affinity_waterz", noisy)
    return {
        "shape": list(label.shape),
        "decode_s": time.perf_counter() - start,
        "segments": int(segmentation.max()),
        "peak_rss_gib": peak_rss_gib(),
    }


def accuracy(mode: dict, workdir: Path) -> dict:
    """The neurons_cpu tutorial through the command line: train for a fixed time, then test."""
    command = [sys.executable, "-m", "connectomics.cli.main"]
    run = workdir / "accuracy"
    run.mkdir()
    subprocess.run(
        [*command, "download", "fibsem_medulla", "--to", "datasets"], cwd=run, check=True
    )
    start = time.perf_counter()
    subprocess.run(
        [
            *command,
            "train",
            "--config",
            "neurons_cpu",
            f"training.max_time={mode['train_time']}",
            "logging.progress_bar=false",
        ],
        cwd=run,
        check=True,
        capture_output=True,
    )
    train_s = time.perf_counter() - start
    checkpoint = run / "outputs" / "neurons_cpu" / "checkpoints" / "last.ckpt"
    result = subprocess.run(
        [*command, "test", "--config", "neurons_cpu", "--checkpoint", str(checkpoint)],
        cwd=run,
        check=True,
        capture_output=True,
        text=True,
    )
    scores = {
        name: float(value)
        for name, value in re.findall(r"(test/[\w/]+)[\s│|]+([-+\d.eE]+)", result.stdout)
    }
    return {"train_s": train_s, "budget": mode["train_time"], "scores": scores}


def main() -> None:
    """Run the benchmark in the chosen mode and write its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=sorted(MODES), default="short")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    mode = MODES[args.mode]
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "2")))
    out = args.out or Path(__file__).parent / "results" / f"neurons-{args.mode}.json"
    report: dict = {
        "mode": args.mode,
        "threads": torch.get_num_threads(),
        "load_average": os.getloadavg(),
        "pytc_reference": PYTC,
    }
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        import zipfile

        from connectomics.data.samples import sample_archive

        medulla = workdir / "medulla"
        with zipfile.ZipFile(sample_archive("fibsem_medulla")) as archive:
            archive.extractall(medulla)
        report["training"] = training_speed(mode, workdir, medulla)
        print(json.dumps(report["training"], indent=1), flush=True)
        report["inference"] = inference_speed(mode, workdir)
        print(json.dumps(report["inference"], indent=1), flush=True)
        report["decoding"] = decode_speed(medulla)
        print(json.dumps(report["decoding"], indent=1), flush=True)
        if not args.skip_accuracy:
            report["accuracy"] = accuracy(mode, workdir)
            print(json.dumps(report["accuracy"], indent=1), flush=True)
    report["load_average_end"] = os.getloadavg()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
