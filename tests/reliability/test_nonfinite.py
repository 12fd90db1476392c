"""Non-finite values: refused in the config and the data, stopped in training, never saved."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from tests.config_edit import set_key
from tests.lightning.conftest import LUCCHI


@pytest.mark.parametrize(
    "override, key",
    [
        ("optimizer.lr=nan", "optimizer.lr"),
        ("optimizer.lr=inf", "optimizer.lr"),
        ("optimizer.weight_decay=-inf", "optimizer.weight_decay"),
        ("scheduler.min_lr=nan", "scheduler.min_lr"),
        ("model.loss_weights=[1.0,nan]", "model.loss_weights[1]"),
    ],
)
def test_config_refuses_non_finite_floats(override, key):
    from connectomics.config import load_config
    from connectomics.config.errors import ConfigError

    with pytest.raises(ConfigError, match=re.escape(key) + r": .* not a finite number"):
        load_config(str(LUCCHI), overrides=[override])


def test_cli_reports_nan_lr_in_one_line(cli, overrides):
    code, _, err = cli("train", "--config", LUCCHI, *overrides, "optimizer.lr=nan")
    assert code == 2
    assert err.startswith("error: ") and "optimizer.lr" in err and len(err.splitlines()) == 1


def _ckpt_tensors_finite(path: Path) -> bool:
    state = torch.load(path, map_location="cpu", weights_only=True)["state_dict"]
    return all(torch.isfinite(t).all() for t in state.values() if t.is_floating_point())


def test_huge_learning_rate_stops_with_step_and_cause_and_saves_nothing_non_finite(
    cli, overrides, tmp_path
):
    code, out, err = cli(
        "train",
        "--config",
        LUCCHI,
        *overrides,
        "optimizer.lr=1e10",
        "scheduler.name=none",
        "training.max_epochs=5",
    )
    assert code == 2, err
    assert err.startswith("error: training stopped:") and len(err.splitlines()) == 1
    assert "step" in err and "optimizer.lr=1e+10" in err and "too high" in err
    assert "best checkpoint" not in out
    for ckpt in (tmp_path / "run").rglob("*.ckpt"):
        assert _ckpt_tensors_finite(ckpt), ckpt


def test_guard_blames_the_input_when_the_batch_holds_nan():
    from connectomics.lightning.errors import NonFiniteError
    from connectomics.lightning.finite import NonFiniteGuard

    guard = NonFiniteGuard()
    trainer = SimpleNamespace(current_epoch=2, global_step=17, precision="32-true")
    module = SimpleNamespace(cfg=SimpleNamespace(optimizer=SimpleNamespace(lr=1e-3)))
    images = torch.zeros(1, 1, 4, 4, 4)
    images[0, 0, 1, 1, 1] = float("nan")
    guard.on_train_batch_start(trainer, module, (images, torch.zeros_like(images)), 0)
    with pytest.raises(NonFiniteError, match=r"nan at epoch 2, step 17.*1 NaN/inf voxel"):
        guard.on_before_backward(trainer, module, torch.tensor(float("nan")))
    guard.on_before_backward(trainer, module, torch.tensor(0.5))  # finite: no error


def test_nan_in_a_float_raw_volume_is_refused_when_read(tmp_path):
    from connectomics.data.datasets import RandomCropDataset
    from connectomics.data.datasets.sources import VolumeSource
    from connectomics.data.errors import DataError
    from connectomics.data.io import open_volume, write_volume

    image = np.random.default_rng(0).random((8, 16, 16), dtype=np.float32)
    image[:, 5, 5] = np.nan
    write_volume(str(tmp_path / "raw.h5"), image, key="raw")
    write_volume(str(tmp_path / "lab.h5"), np.ones((8, 16, 16), np.uint32), key="label")
    source = VolumeSource(
        "nan-volume",
        open_volume(str(tmp_path / "raw.h5"), key="raw"),
        open_volume(str(tmp_path / "lab.h5"), key="label"),
        None,
    )
    dataset = RandomCropDataset([source], patch_size=(8, 16, 16), length=1)
    with pytest.raises(DataError, match=r"nan-volume: the crop at \(0, 0, 0\) holds 8 NaN/inf"):
        dataset[0]


def test_non_finite_monitor_is_never_best_and_non_finite_weights_never_written(tmp_path):
    from connectomics.lightning.checkpointing import SafeModelCheckpoint
    from connectomics.lightning.errors import NonFiniteError

    callback = SafeModelCheckpoint(dirpath=str(tmp_path), monitor="val/loss", save_top_k=1)
    trainer = SimpleNamespace(global_step=3, current_epoch=0)
    assert callback.check_monitor_top_k(trainer, torch.tensor(float("nan"))) is False
    model = torch.nn.Linear(2, 2)
    with torch.no_grad():
        model.weight[0, 0] = float("inf")
    trainer.lightning_module = model
    with pytest.raises(NonFiniteError, match="refusing to write"):
        callback._save_checkpoint(trainer, str(tmp_path / "x.ckpt"))
    assert not (tmp_path / "x.ckpt").exists()


def test_finite_check_and_anomaly_detection_follow_the_config(tiny_cfg):

    from connectomics.lightning import create_trainer
    from connectomics.lightning.finite import NonFiniteGuard

    trainer = create_trainer(tiny_cfg, logger=False)
    assert any(isinstance(c, NonFiniteGuard) for c in trainer.callbacks)
    assert trainer._detect_anomaly is False
    set_key(tiny_cfg, "training.check_finite", False)
    set_key(tiny_cfg, "training.detect_anomaly", True)
    trainer = create_trainer(tiny_cfg, logger=False)
    assert not any(isinstance(c, NonFiniteGuard) for c in trainer.callbacks)
    assert trainer._detect_anomaly is True


def test_nan_raw_read_by_dataloader_workers_is_one_clean_error_line(cli, overrides, tmp_path):
    from connectomics.data.io import write_volume

    image = np.random.default_rng(0).random((16, 32, 32), dtype=np.float32)
    image[4] = np.inf  # a whole slice: every 16-deep crop holds it
    raw = tmp_path / "nan_raw.h5"
    write_volume(str(raw), image, key="raw")
    code, _, err = cli(
        "train",
        "--config",
        LUCCHI,
        *overrides,
        f"data.train_image={raw}",
        "data.num_workers=2",
        "data.patch_size=[16,16,16]",
        "data.val_split=null",
    )
    assert code == 2, err
    assert err.startswith("error: nan_raw: the crop at") and "NaN/inf voxel" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
