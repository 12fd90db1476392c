"""Resuming continues exactly where a run stopped; a 2-process CPU DDP fit runs over gloo."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from pytorch_lightning import Callback, seed_everything

from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer
from tests.config_edit import set_key


class _StopAfterFirstEpoch(Callback):
    def on_train_epoch_end(self, trainer, pl_module):
        trainer.should_stop = True


class _RecordBackend(Callback):
    def __init__(self, folder: Path):
        self.folder = folder

    def on_train_start(self, trainer, pl_module):
        import torch.distributed as dist

        rank, size = dist.get_rank(), dist.get_world_size()
        (self.folder / f"rank{rank}.txt").write_text(f"{rank} of {size} over {dist.get_backend()}")


def _deterministic(cfg, save_dir: Path):
    # Whole-volume crops without augmentation: every batch is the same, whatever the RNG.
    for key, value in {
        "data.patch_size": [16, 32, 32],
        "data.batch_size": 1,
        "data.steps_per_epoch": 3,
        "data.val_split": None,
        "data.val_image": cfg.data.test_image,
        "data.val_label": cfg.data.test_label,
        "data.val_iterations": 1,
        "training.max_epochs": 2,
        "scheduler.warmup_epochs": 1.0,
        "logging.save_dir": str(save_dir),
        "checkpoint.dirpath": str(save_dir),
    }.items():
        set_key(cfg, key, value)
    return cfg


def _run(cfg, ckpt_path=None, callbacks=()):
    seed_everything(0)
    module = ConnectomicsModule(cfg)
    trainer = create_trainer(
        cfg, resume=ckpt_path is not None, logger=False, callbacks=list(callbacks)
    )
    trainer.fit(module, datamodule=ConnectomicsDataModule(cfg), ckpt_path=ckpt_path)
    return module, trainer


def test_interrupted_and_resumed_run_matches_an_uninterrupted_one(tiny_cfg, tmp_path):
    straight_cfg = _deterministic(tiny_cfg.copy(), tmp_path / "straight")
    straight, straight_trainer = _run(straight_cfg)

    cfg = _deterministic(tiny_cfg.copy(), tmp_path / "interrupted")
    _, first = _run(cfg, callbacks=[_StopAfterFirstEpoch()])
    assert first.global_step == 3
    last = tmp_path / "interrupted" / "last.ckpt"
    resumed, resumed_trainer = _run(cfg, ckpt_path=str(last))

    assert resumed_trainer.global_step == straight_trainer.global_step == 6
    assert resumed_trainer.current_epoch == straight_trainer.current_epoch == 2
    for a, b in zip(straight.parameters(), resumed.parameters(), strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)
    opt_a = straight_trainer.optimizers[0].state_dict()
    opt_b = resumed_trainer.optimizers[0].state_dict()
    assert opt_a["param_groups"][0]["lr"] == pytest.approx(opt_b["param_groups"][0]["lr"])
    for key, state in opt_a["state"].items():
        for name, value in state.items():
            torch.testing.assert_close(value, opt_b["state"][key][name], atol=1e-5, rtol=1e-4)
    sched_a = straight_trainer.lr_scheduler_configs[0].scheduler.state_dict()
    sched_b = resumed_trainer.lr_scheduler_configs[0].scheduler.state_dict()
    assert sched_a["last_epoch"] == sched_b["last_epoch"] == 6


@pytest.mark.slow
def test_two_process_cpu_ddp_fit(tiny_cfg, tmp_path):
    for key, value in {
        "system.devices": 2,
        "system.strategy": "ddp_spawn",
        "data.steps_per_epoch": 2,
    }.items():
        set_key(tiny_cfg, key, value)
    trainer = create_trainer(tiny_cfg, logger=False, callbacks=[_RecordBackend(tmp_path)])
    trainer.fit(ConnectomicsModule(tiny_cfg), datamodule=ConnectomicsDataModule(tiny_cfg))
    assert trainer.world_size == 2
    seen = sorted(p.read_text() for p in tmp_path.glob("rank*.txt"))
    assert seen == ["0 of 2 over gloo", "1 of 2 over gloo"]
    # 2 steps per epoch on each rank: 2 x 2 x 2 = 8 crops split over the ranks.
    last = torch.load(Path(trainer.checkpoint_callback.dirpath) / "last.ckpt", weights_only=True)
    assert last["global_step"] == 2 and last["epoch"] == 0
