"""Cost of the reliability checks, as ratios measured in one run (not a test).

- weights check after every optimizer step (NonFiniteGuard) vs one training step;
- atomic checkpoint write (temp file + fsync + rename) vs a plain torch.save;
- seeded-stream crops (per-item augmentation reseeding) vs per-process random crops;
- input fingerprint of a prediction store vs predicting the same volume.

Run: .venv/bin/python benchmarks/bench_reliability.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from machine import at_load, header


def best_of(fn, repeat: int = 5) -> float:
    """Fastest of `repeat` timed calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Print each check's time relative to the work it guards."""
    print(header())
    from connectomics.config import load_config
    from connectomics.data.datasets import build_train_dataset
    from connectomics.data.inference import predict_volume
    from connectomics.data.inference.identity import content_fingerprint
    from connectomics.data.io import write_volume
    from connectomics.data.synthetic import make_mitochondria_volume
    from connectomics.lightning import ConnectomicsModule
    from connectomics.lightning.checkpoint_io import atomic_torch_save
    from connectomics.lightning.finite import weights_finite

    torch.set_num_threads(1)
    cfg = load_config("demo")
    module = ConnectomicsModule(cfg)
    optimizer = torch.optim.AdamW(module.parameters(), lr=1e-4)
    x = torch.rand(2, 1, *cfg.data.patch_size)
    y = (torch.rand(2, 2, *cfg.data.patch_size) > 0.5).float()

    def step() -> None:
        optimizer.zero_grad()
        loss = module.compute_loss(module.model(x), y)
        loss.backward()
        optimizer.step()

    step()
    ratio = best_of(lambda: weights_finite(module)) / best_of(step)
    print(f"weights check / training step ({cfg.model.architecture}): {ratio:.4f}{at_load()}")

    state = {"state_dict": module.state_dict()}
    with tempfile.TemporaryDirectory() as folder:
        plain = best_of(lambda: torch.save(state, Path(folder) / "plain.ckpt"))
        atomic = best_of(lambda: atomic_torch_save(state, Path(folder) / "atomic.ckpt"))
        print(f"atomic checkpoint write / torch.save: {atomic / plain:.2f}{at_load()}")

        image, label = make_mitochondria_volume(shape=(64, 96, 96), seed=0)
        write_volume(str(Path(folder) / "im.h5"), image, key="raw")
        write_volume(str(Path(folder) / "lab.h5"), label, key="label")
        cfg.data.train_image = str(Path(folder) / "im.h5")
        cfg.data.train_label = str(Path(folder) / "lab.h5")
        cfg.data.val_split = None
        random_crops = build_train_dataset(cfg)
        stream_crops = build_train_dataset(cfg, stream_seed=0)
        n = 20
        base = best_of(lambda: [random_crops[i] for i in range(n)], 3)
        seeded = best_of(lambda: [stream_crops[i] for i in range(n)], 3)
        print(
            f"seeded-stream crop / random crop (with augmentation): {seeded / base:.2f}{at_load()}"
        )

        volume = np.random.default_rng(0).random((64, 128, 128), dtype=np.float32)
        conv = torch.nn.Conv3d(1, 1, 3, padding=1)
        predict = best_of(
            lambda: predict_volume(conv, volume, window_size=(32, 64, 64), tta_flip=False), 2
        )
        fingerprint = best_of(lambda: content_fingerprint(volume))
        print(
            f"input fingerprint / prediction of a 64x128x128 volume: {fingerprint / predict:.4f}{at_load()}"
        )


if __name__ == "__main__":
    main()
