"""create_trainer: devices, precision, clipping, accumulation, callbacks, loggers, run guard."""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest
from pytorch_lightning.callbacks import EarlyStopping, LearningRateMonitor, ModelCheckpoint

from connectomics.config import precision as precision_rule
from connectomics.lightning import RunExistsError, create_trainer
from connectomics.lightning.callbacks import ImageLogger
from tests.config_edit import set_key


def _set(cfg, **values):
    for key, value in values.items():
        set_key(cfg, key, value)
    return cfg


def test_clipping_accumulation_and_limits_reach_the_trainer(tiny_cfg):
    _set(
        tiny_cfg,
        **{
            "training.gradient_clip_val": 0.5,
            "training.gradient_clip_algorithm": "value",
            "training.accumulate_grad_batches": 3,
            "training.max_epochs": 7,
            "training.max_steps": 11,
            "training.val_check_interval": 0.5,
        },
    )
    trainer = create_trainer(tiny_cfg)
    assert trainer.gradient_clip_val == 0.5
    assert trainer.gradient_clip_algorithm == "value"
    assert trainer.accumulate_grad_batches == 3
    assert trainer.max_epochs == 7 and trainer.max_steps == 11
    assert trainer.val_check_interval == 0.5
    assert trainer.num_devices == 1 and trainer.precision == "32-true"


@pytest.mark.parametrize(("native", "expected"), [(True, "bf16-mixed"), (False, "32-true")])
def test_16_mixed_on_cpu_uses_bf16_only_where_it_is_native(tiny_cfg, monkeypatch, native, expected):
    monkeypatch.setattr(precision_rule, "cpu_has_native_bf16", lambda: native)
    _set(tiny_cfg, **{"training.precision": "16-mixed"})
    with pytest.warns(
        UserWarning, match=f"training precision {expected} on the CPU: .*needs a GPU"
    ):
        trainer = create_trainer(tiny_cfg)
    assert trainer.precision == expected


def test_explicit_bf16_on_a_cpu_without_it_warns_with_the_cost(tiny_cfg, monkeypatch, capsys):
    monkeypatch.setattr(precision_rule, "cpu_has_native_bf16", lambda: False)
    _set(tiny_cfg, **{"training.precision": "bf16-mixed"})
    with pytest.warns(UserWarning, match=r"emulated here \(measured: predict over"):
        trainer = create_trainer(tiny_cfg)
    assert trainer.precision == "bf16-mixed"  # asked for explicitly: kept
    monkeypatch.setattr(precision_rule, "cpu_has_native_bf16", lambda: True)
    trainer = create_trainer(tiny_cfg)  # native: no warning, one line on stderr
    assert trainer.precision == "bf16-mixed"
    assert "training precision bf16-mixed on a CPU with native bfloat16" in capsys.readouterr().err


def test_callbacks_follow_the_config(tiny_cfg):
    _set(tiny_cfg, **{"early_stopping.enabled": True, "logging.log_images": True})
    trainer = create_trainer(tiny_cfg)
    kinds = {k for c in trainer.callbacks for k in type(c).__mro__}
    assert {ModelCheckpoint, EarlyStopping, LearningRateMonitor, ImageLogger} <= kinds
    ckpt = next(c for c in trainer.callbacks if isinstance(c, ModelCheckpoint))
    assert ckpt.monitor == "val/loss" and ckpt.save_last
    assert Path(trainer.logger.log_dir).parent.name == "lightning_logs"
    _set(tiny_cfg, **{"early_stopping.enabled": False, "logging.log_images": False})
    kinds = {type(c) for c in create_trainer(tiny_cfg).callbacks}
    assert EarlyStopping not in kinds and ImageLogger not in kinds


def test_overrides_pass_through(tiny_cfg, tmp_path):
    trainer = create_trainer(
        tiny_cfg,
        logger=False,
        enable_checkpointing=False,
        limit_val_batches=3,
        default_root_dir=str(tmp_path / "elsewhere"),
    )
    assert trainer.logger is None and trainer.checkpoint_callback is None
    assert trainer.limit_val_batches == 3
    assert trainer.default_root_dir == str(tmp_path / "elsewhere")


def test_checkpoint_file_names_from_the_spec_template_are_sane(tiny_cfg):
    _set(tiny_cfg, **{"checkpoint.filename": "epoch{epoch:02d}-loss{val/loss:.2f}"})
    trainer = create_trainer(tiny_cfg)
    ckpt = trainer.checkpoint_callback
    name = ckpt.format_checkpoint_name({"epoch": 3, "val/loss": 0.4567, "step": 9})
    assert Path(name).name == "epoch03-loss0.46.ckpt"
    assert Path(name).parent == Path(ckpt.dirpath)


def test_wandb_missing_names_the_extra(tiny_cfg, monkeypatch):
    real_import = builtins.__import__

    def no_wandb(name, *args, **kwargs):
        if name == "wandb" or name.startswith("wandb."):
            raise ImportError("No module named 'wandb'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_wandb)
    _set(tiny_cfg, **{"logging.use_wandb": True})
    with pytest.raises(Exception, match=r'pip install "connectomics-lightning\[wandb\]"'):
        create_trainer(tiny_cfg)


def test_explicit_cpu_devices_mean_ddp(tiny_cfg):
    _set(tiny_cfg, **{"system.devices": 2, "system.strategy": "ddp_spawn"})
    trainer = create_trainer(tiny_cfg)
    assert trainer.num_devices == 2
    assert type(trainer.strategy).__name__ == "DDPStrategy"


def test_new_run_refuses_a_folder_with_checkpoints(tiny_cfg):
    from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule
    from connectomics.lightning.run_paths import checkpoint_dir

    folder = checkpoint_dir(tiny_cfg)
    folder.mkdir(parents=True)
    (folder / "last.ckpt").write_bytes(b"earlier run")
    trainer = create_trainer(tiny_cfg)  # building for test/predict is fine
    with pytest.raises(FileExistsError, match="already holds checkpoints") as info:
        trainer.fit(ConnectomicsModule(tiny_cfg), datamodule=ConnectomicsDataModule(tiny_cfg))
    assert isinstance(info.value, RunExistsError) and str(folder) in str(info.value)
    assert (folder / "last.ckpt").read_bytes() == b"earlier run"


def test_max_time_stops_a_run_that_epochs_would_not_stop(tiny_cfg):

    from connectomics.config import validate_config
    from connectomics.config.errors import ConfigError
    from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule

    _set(tiny_cfg, **{"training.max_epochs": 10_000, "training.max_time": "00:00:00:02"})
    validate_config(tiny_cfg)
    trainer = create_trainer(tiny_cfg, logger=False, enable_checkpointing=False)
    trainer.fit(ConnectomicsModule(tiny_cfg), datamodule=ConnectomicsDataModule(tiny_cfg))
    # stopped by Lightning's timer once 2 s had passed (however slow the machine), not by epochs
    from pytorch_lightning.callbacks import Timer

    (timer,) = [c for c in trainer.callbacks if isinstance(c, Timer)]
    assert timer.time_elapsed("train") >= 2.0 and trainer.should_stop
    assert trainer.current_epoch < 10_000 and trainer.global_step > 0
    for bad in ("15 minutes", "00:00:00:00"):  # refused when assigned, and when loaded
        with pytest.raises(ConfigError, match="training.max_time"):
            _set(tiny_cfg, **{"training.max_time": bad})
        with pytest.raises(ConfigError, match="training.max_time"):
            validate_config({"training": {"max_time": bad}})


def test_num_nodes_reaches_the_trainer(tiny_cfg):
    _set(tiny_cfg, **{"system.num_nodes": 2})
    trainer = create_trainer(tiny_cfg)
    assert trainer.num_nodes == 2
    assert trainer.strategy.num_nodes == 2
    _set(tiny_cfg, **{"system.num_nodes": 1})
    assert create_trainer(tiny_cfg).num_nodes == 1
