"""Optimizer and learning-rate schedule (with linear warm-up) from cfg.optimizer/cfg.scheduler."""

from __future__ import annotations

from typing import Any

import torch
from torch.optim.lr_scheduler import (
    CosineAnnealingLR,
    LinearLR,
    PolynomialLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)

from connectomics.config.metrics_logged import better_mode
from connectomics.config.schema import Config


def build_optimizer(cfg: Config, params) -> torch.optim.Optimizer:
    """A torch.optim optimizer named by cfg.optimizer.name."""
    ocfg = cfg.optimizer
    cls = getattr(torch.optim, ocfg.name)
    kwargs: dict[str, Any] = {"lr": ocfg.lr, "weight_decay": ocfg.weight_decay}
    if ocfg.name in ("SGD", "RMSprop"):
        kwargs["momentum"] = ocfg.momentum
        if ocfg.name == "SGD":
            kwargs["nesterov"] = ocfg.momentum > 0
    elif ocfg.name in ("Adam", "AdamW", "NAdam", "RAdam", "Adamax"):
        kwargs["betas"] = tuple(ocfg.betas)
    return cls(params, **kwargs)


class PolynomialLRToMin(PolynomialLR):
    """torch's PolynomialLR ending at `eta_min` instead of 0, as CosineAnnealingLR does."""

    def __init__(
        self, optimizer: torch.optim.Optimizer, total_iters: int, power: float, eta_min: float
    ) -> None:
        self.eta_min = float(eta_min)
        super().__init__(optimizer, total_iters=total_iters, power=power)

    def get_lr(self) -> list[float]:
        """eta_min + (base - eta_min) * (1 - step / total_iters) ** power."""
        left = 1.0 - min(self.last_epoch, self.total_iters) / self.total_iters
        return [self.eta_min + (base - self.eta_min) * left**self.power for base in self.base_lrs]


class StepLRToMin(StepLR):
    """torch's StepLR that never decays below `eta_min`, like the other schedules."""

    def __init__(
        self, optimizer: torch.optim.Optimizer, step_size: int, gamma: float, eta_min: float
    ) -> None:
        self.eta_min = float(eta_min)
        super().__init__(optimizer, step_size=step_size, gamma=gamma)

    def get_lr(self) -> list[float]:
        """max(eta_min, base * gamma ** (step // step_size))."""
        decays = self.last_epoch // self.step_size
        return [max(self.eta_min, base * self.gamma**decays) for base in self.base_lrs]


def _main_schedule(cfg: Config, optimizer: torch.optim.Optimizer, steps: int, steps_per_epoch: int):
    """The named per-step schedule over `steps` optimizer steps (after warm-up)."""
    scfg = cfg.scheduler
    if scfg.name == "CosineAnnealingLR":
        return CosineAnnealingLR(optimizer, T_max=steps, eta_min=scfg.min_lr)
    if scfg.name == "PolyLR":
        return PolynomialLRToMin(optimizer, steps, scfg.power, scfg.min_lr)
    step_size = max(scfg.step_size * steps_per_epoch, 1)
    return StepLRToMin(optimizer, step_size, scfg.gamma, scfg.min_lr)


def build_scheduler(
    cfg: Config, optimizer: torch.optim.Optimizer, total_steps: int, steps_per_epoch: int
) -> list[dict[str, Any]]:
    """Lightning scheduler configs: warm-up (LinearLR) then the named schedule per step
    (SequentialLR), or warm-up per step plus ReduceLROnPlateau per epoch."""
    name = cfg.scheduler.name
    if name in (None, "none", "None"):
        return []
    warmup = int(round(cfg.scheduler.warmup_epochs * steps_per_epoch))
    start = cfg.scheduler.warmup_start_factor
    configs: list[dict[str, Any]] = []
    if name == "ReduceLROnPlateau":
        if warmup > 0:
            warm = LinearLR(optimizer, start_factor=start, end_factor=1.0, total_iters=warmup)
            configs.append({"scheduler": warm, "interval": "step", "frequency": 1, "name": "lr"})
        plateau = ReduceLROnPlateau(
            optimizer,
            mode=better_mode(cfg.scheduler.monitor),
            factor=cfg.scheduler.gamma,
            patience=cfg.scheduler.patience,
            min_lr=cfg.scheduler.min_lr,
        )
        monitor = cfg.scheduler.monitor
        configs.append(
            {"scheduler": plateau, "interval": "epoch", "monitor": monitor, "strict": False}
        )
        return configs
    schedule = _main_schedule(cfg, optimizer, max(total_steps - warmup, 1), steps_per_epoch)
    if warmup > 0:
        warm = LinearLR(optimizer, start_factor=start, end_factor=1.0, total_iters=warmup)
        schedule = SequentialLR(optimizer, [warm, schedule], milestones=[warmup])
    return [{"scheduler": schedule, "interval": "step", "frequency": 1, "name": "lr"}]
