"""Optimizer and learning-rate schedule (with linear warm-up) from cfg.optimizer/cfg.scheduler."""

from __future__ import annotations

import math
from typing import Any

import torch

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


def _main_factor(cfg: Config, step: int, total: int, steps_per_epoch: int) -> float:
    """LR factor of the main schedule `step` optimizer steps after warm-up ended."""
    scfg = cfg.scheduler
    floor = min(scfg.min_lr / cfg.optimizer.lr, 1.0)
    progress = min(step / max(total, 1), 1.0)
    if scfg.name == "CosineAnnealingLR":
        return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
    if scfg.name == "PolyLR":
        return floor + (1.0 - floor) * (1.0 - progress) ** scfg.power
    if scfg.name == "StepLR":
        return max(scfg.gamma ** (step // max(scfg.step_size * steps_per_epoch, 1)), floor)
    return 1.0


def lr_factor(cfg: Config, step: int, total_steps: int, steps_per_epoch: int) -> float:
    """Multiplier of the base LR at optimizer step `step`: warm-up, then the main schedule."""
    warmup = int(round(cfg.scheduler.warmup_epochs * steps_per_epoch))
    if step < warmup:
        start = cfg.scheduler.warmup_start_factor
        return start + (1.0 - start) * step / warmup
    return _main_factor(cfg, step - warmup, max(total_steps - warmup, 1), steps_per_epoch)


class LinearWarmup(torch.optim.lr_scheduler.LRScheduler):
    """Linear warm-up over `warmup_steps`, then leaves the LR to other schedulers (plateau)."""

    def __init__(self, optimizer: torch.optim.Optimizer, warmup_steps: int, start_factor: float):
        self.warmup_steps = max(int(warmup_steps), 1)
        self.start_factor = start_factor
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        """Warm-up LR while warming up; the groups' current LR afterwards."""
        step = self.last_epoch
        if step > self.warmup_steps:
            return [group["lr"] for group in self.optimizer.param_groups]
        factor = self.start_factor + (1.0 - self.start_factor) * min(step / self.warmup_steps, 1.0)
        return [base * factor for base in self.base_lrs]


def build_scheduler(
    cfg: Config, optimizer: torch.optim.Optimizer, total_steps: int, steps_per_epoch: int
) -> list[dict[str, Any]]:
    """Lightning scheduler configs: a per-step LambdaLR (warm-up + main), plus plateau per epoch."""
    name = cfg.scheduler.name
    if name in (None, "none", "None"):
        return []
    configs: list[dict[str, Any]] = []
    warmup = int(round(cfg.scheduler.warmup_epochs * steps_per_epoch))
    if name == "ReduceLROnPlateau" and warmup > 0:
        warm = LinearWarmup(optimizer, warmup, cfg.scheduler.warmup_start_factor)
        configs.append({"scheduler": warm, "interval": "step", "frequency": 1, "name": "lr"})
    elif name != "ReduceLROnPlateau":
        lam = torch.optim.lr_scheduler.LambdaLR(
            optimizer,
            lambda step: lr_factor(cfg, step, total_steps, steps_per_epoch),
        )
        configs.append({"scheduler": lam, "interval": "step", "frequency": 1, "name": "lr"})
    if name == "ReduceLROnPlateau":
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer,
            mode="max" if cfg.scheduler.monitor.endswith(("dice", "iou")) else "min",
            factor=cfg.scheduler.gamma,
            patience=cfg.scheduler.patience,
            min_lr=cfg.scheduler.min_lr,
        )
        configs.append(
            {
                "scheduler": plateau,
                "interval": "epoch",
                "monitor": cfg.scheduler.monitor,
                "strict": False,
            }
        )
    return configs
