"""Fixtures of the Lightning tests: tiny generated volumes and a tiny config that trains fast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
LUCCHI = REPO / "tutorials" / "lucchi.yaml"


def write_tiny_volumes(folder: Path, seed: int = 0) -> dict[str, str]:
    """Train and test HDF5 volumes (keys raw/label) of a small synthetic mitochondria volume."""
    from connectomics.data.io import write_volume
    from connectomics.data.synthetic import make_mitochondria_volume

    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for split, s in (("train", seed), ("test", seed + 1)):
        image, label = make_mitochondria_volume(shape=(16, 32, 32), seed=s)
        paths[f"{split}_image"] = str(folder / f"{split}_im.h5")
        paths[f"{split}_label"] = str(folder / f"{split}_label.h5")
        write_volume(paths[f"{split}_image"], image, key="raw")
        write_volume(paths[f"{split}_label"], label.astype(np.uint32), key="label")
    return paths


def tiny_overrides(data: dict[str, str], save_dir: Path) -> list[str]:
    """Dot-list overrides that make lucchi.yaml train in a second on a CPU."""
    return [
        *(f"data.{k}={v}" for k, v in data.items()),
        "data.val_image=null",
        "data.val_label=null",
        "data.val_split=0.25",
        "data.patch_size=[8,16,16]",
        "data.batch_size=2",
        "data.num_workers=0",
        "data.steps_per_epoch=2",
        "data.val_iterations=2",
        "data.augmentation.enabled=false",
        "model.filters=[4,8]",
        "training.max_epochs=1",
        "early_stopping.enabled=false",
        "logging.log_images=false",
        "logging.progress_bar=false",
        "logging.log_every_n_steps=1",
        f"logging.save_dir={save_dir}",
        "inference.window_size=[8,16,16]",
        "inference.tta_flip=false",
        "inference.batch_size=4",
        "system.accelerator=cpu",
        "training.precision=32",
    ]


@pytest.fixture
def tiny_setup():
    """The helpers (write_tiny_volumes, tiny_overrides) for tests that build their own config."""
    return write_tiny_volumes, tiny_overrides


@pytest.fixture
def tiny_data(tmp_path: Path) -> dict[str, str]:
    """Paths of tiny train/test volumes in tmp_path/data."""
    return write_tiny_volumes(tmp_path / "data")


@pytest.fixture
def tiny_cfg(tmp_path: Path, tiny_data: dict[str, str]):
    """lucchi.yaml pointed at tiny volumes, with a tiny network and one short epoch."""
    from connectomics.config import load_config

    return load_config(str(LUCCHI), overrides=tiny_overrides(tiny_data, tmp_path / "run"))
