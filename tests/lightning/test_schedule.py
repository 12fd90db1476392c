"""Optimizer and schedule: warm-up moves the learning rate per optimizer step."""

from __future__ import annotations

import pytest
import torch
from pytorch_lightning import Callback

from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer
from connectomics.lightning.optim import build_optimizer, build_scheduler
from tests.config_edit import set_key


class _RecordLR(Callback):
    def __init__(self):
        self.lrs: list[float] = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.lrs.append(trainer.optimizers[0].param_groups[0]["lr"])


@pytest.mark.parametrize("name", ["CosineAnnealingLR", "PolyLR", "StepLR"])
def test_warmup_raises_lr_every_optimizer_step(tiny_cfg, name):
    for key, value in {
        "scheduler.name": name,
        "scheduler.warmup_epochs": 1.0,
        "training.max_epochs": 2,
        "data.steps_per_epoch": 8,
        "data.batch_size": 1,
        "optimizer.lr": 0.01,
    }.items():
        set_key(tiny_cfg, key, value)
    record = _RecordLR()
    trainer = create_trainer(
        tiny_cfg, logger=False, enable_checkpointing=False, limit_val_batches=0, callbacks=[record]
    )
    trainer.fit(ConnectomicsModule(tiny_cfg), datamodule=ConnectomicsDataModule(tiny_cfg))
    warm, after = record.lrs[:8], record.lrs[8:]
    assert len(record.lrs) == 16
    assert warm[0] == pytest.approx(0.01 * tiny_cfg.scheduler.warmup_start_factor)
    assert all(b > a for a, b in zip(warm, warm[1:]))
    assert after[0] == pytest.approx(0.01)
    if name != "StepLR":
        assert after[-1] < after[0]


def test_plateau_warms_up_then_follows_the_metric(tiny_cfg):
    set_key(tiny_cfg, "scheduler.name", "ReduceLROnPlateau")
    set_key(tiny_cfg, "scheduler.warmup_epochs", 1.0)
    net = torch.nn.Linear(2, 1)
    opt = build_optimizer(tiny_cfg, net.parameters())
    configs = build_scheduler(tiny_cfg, opt, total_steps=20, steps_per_epoch=4)
    warm, plateau = configs
    assert warm["interval"] == "step" and plateau["interval"] == "epoch"
    assert plateau["monitor"] == "val/loss"
    lrs = []
    for _ in range(6):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        warm["scheduler"].step()
    assert all(b > a for a, b in zip(lrs[:4], lrs[1:5]))
    assert lrs[5] == pytest.approx(tiny_cfg.optimizer.lr)
    for _ in range(tiny_cfg.scheduler.patience + 2):
        plateau["scheduler"].step(1.0)
    assert opt.param_groups[0]["lr"] < tiny_cfg.optimizer.lr
