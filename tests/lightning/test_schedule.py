"""Optimizer and schedule: warm-up moves the learning rate per optimizer step."""

from __future__ import annotations

import math

import pytest
import torch
from pytorch_lightning import Callback

from connectomics.config import create_config
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


def _schedule_cfg(name: str, **extra):
    values = {
        "name": name,
        "warmup_epochs": 1.0,
        "warmup_start_factor": 0.01,
        "min_lr": 1e-4,
        "power": 0.9,
        "step_size": 2,
        "gamma": 0.5,
        "patience": 1,
        "monitor": "val/loss",
        **extra,
    }
    return create_config({"scheduler": values, "optimizer": {"lr": 0.1}})


def _lrs(cfg, steps: int, total: int = 20, per_epoch: int = 4, state=None):
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=cfg.optimizer.lr)
    scheduler = build_scheduler(cfg, opt, total_steps=total, steps_per_epoch=per_epoch)[0]
    scheduler = scheduler["scheduler"]
    if state is not None:
        opt.load_state_dict(state[0])
        scheduler.load_state_dict(state[1])
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    lrs.append(opt.param_groups[0]["lr"])
    return lrs, (opt.state_dict(), scheduler.state_dict())


@pytest.mark.parametrize("name", ["CosineAnnealingLR", "PolyLR", "StepLR"])
def test_warmup_ramps_linearly_to_the_base_lr(name):
    lrs, _ = _lrs(_schedule_cfg(name), 20)
    # 4 warm-up steps from 0.01 * lr: 0.001, 0.02575, 0.0505, 0.07525, then the base LR
    assert lrs[:5] == pytest.approx([0.001, 0.02575, 0.0505, 0.07525, 0.1])


@pytest.mark.parametrize("name", ["CosineAnnealingLR", "PolyLR"])
def test_cosine_and_poly_reach_min_lr_at_the_last_step(name):
    lrs, _ = _lrs(_schedule_cfg(name), 20)
    s, t = 8, 16  # 8 steps into the 16 after warm-up
    half = 0.5 * (1 + math.cos(math.pi * s / t)) if name == "CosineAnnealingLR" else 0.5**0.9
    assert lrs[4 + s] == pytest.approx(1e-4 + (0.1 - 1e-4) * half)
    assert lrs[19] > 1e-4 * 1.5 and lrs[20] == pytest.approx(1e-4)


def test_step_schedule_decays_every_step_size_epochs():
    lrs, _ = _lrs(_schedule_cfg("StepLR"), 20)
    assert lrs[4:12] == pytest.approx([0.1] * 8)  # step_size 2 epochs of 4 steps
    assert lrs[12:20] == pytest.approx([0.05] * 8) and lrs[20] == pytest.approx(0.025)


@pytest.mark.parametrize("name", ["CosineAnnealingLR", "PolyLR", "StepLR"])
def test_a_resumed_schedule_continues_where_it_stopped(name):
    cfg = _schedule_cfg(name)
    whole, _ = _lrs(cfg, 20)
    first, state = _lrs(cfg, 7)  # stopped mid-schedule (after warm-up)
    rest, _ = _lrs(cfg, 13, state=state)
    assert first[:7] + rest == pytest.approx(whole)
    assert _lrs(cfg, 13)[0] != pytest.approx(rest)  # without the state it starts over


def test_step_schedule_stops_at_min_lr():
    lrs, _ = _lrs(_schedule_cfg("StepLR", min_lr=0.03), 20)
    assert lrs[12:20] == pytest.approx([0.05] * 8)
    assert lrs[20] == pytest.approx(0.03)  # 0.025 without the floor
