"""Is the data loader fast enough to keep a CPU training step busy?

A 2-worker DataLoader draws 32x128x128 crops (augmentations and affinity targets) from a
synthetic neuron volume in HDF5; a small 3D U-Net (connectomics.models.build_model) runs
CPU training steps on the same batch size. Prints both rates in samples/s and their ratio
(loader / model; above 1 means the loader is not the bottleneck).

    python benchmarks/bench_loader.py [--batches 8] [--workers 2] [--patch 32 128 128]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
from machine import at_load, header
from torch.utils.data import DataLoader

from connectomics.config import Config, create_config
from connectomics.config.target_channels import target_channels
from connectomics.data.datasets import build_train_dataset, collate_batch
from connectomics.data.io import write_volume
from connectomics.data.synthetic import make_neuron_volume


def make_config(path: Path, patch: list[int], batch_size: int, workers: int) -> Config:
    """Training config over ``path`` with affinity targets and the default augmentations."""
    targets = [{"name": "affinity"}]
    data = {
        "train_image": f"{path}:raw",
        "train_label": f"{path}:label",
        "patch_size": patch,
        "batch_size": batch_size,
        "num_workers": workers,
        "targets": targets,
    }
    channels = sum(target_channels(t["name"]) for t in targets)
    return create_config(
        {"data": data, "model": {"out_channels": channels, "filters": [8, 16, 32, 64]}}
    )


def loader_rate(cfg: Config, batches: int) -> float:
    """Samples per second delivered by the DataLoader after its workers have started."""
    loader = DataLoader(
        build_train_dataset(cfg),
        batch_size=cfg.data.batch_size,
        num_workers=cfg.data.num_workers,
        persistent_workers=cfg.data.num_workers > 0,
        collate_fn=collate_batch,
    )
    iterator = iter(loader)
    next(iterator)  # start-up (fork, first file opens) is not steady-state throughput
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * cfg.data.batch_size / (time.perf_counter() - start)


def model_rate(cfg: object, steps: int) -> float:
    """Samples per second of forward + loss + backward + optimizer step on the CPU."""
    from connectomics.losses import build_loss_plan
    from connectomics.models import build_model

    model = build_model(cfg).train()
    loss_plan = build_loss_plan(cfg)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    shape = (cfg.data.batch_size, 1, *cfg.data.patch_size)
    image = torch.rand(shape)
    target = (torch.rand((cfg.data.batch_size, cfg.model.out_channels, *shape[2:])) > 0.5).float()

    def step() -> None:
        optimizer.zero_grad()
        loss, _ = loss_plan(model(image), target)
        loss.backward()
        optimizer.step()

    step()  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * cfg.data.batch_size / (time.perf_counter() - start)


def main() -> None:
    """Run both measurements and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--patch", type=int, nargs=3, default=[32, 128, 128])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "neurons.h5"
        image, label = make_neuron_volume((64, 256, 256), seed=0)
        write_volume(f"{path}:raw", image)
        write_volume(f"{path}:label", label)
        cfg = make_config(path, list(args.patch), args.batch_size, args.workers)
        loader = loader_rate(cfg, args.batches)
    model = model_rate(cfg, args.steps)
    print(header())
    print(f"loader ({args.workers} workers): {loader:8.2f} samples/s")
    print(f"model training step (CPU):  {model:8.2f} samples/s")
    print(f"loader / model ratio:       {loader / model:8.2f}{at_load()}")


if __name__ == "__main__":
    main()
