"""Trainer, optimizer and scheduler settings: precision, names and ranges."""

from __future__ import annotations

from typing import Any

from connectomics.config.checks.common import check_choice, check_range, fail
from connectomics.config.suggest import did_you_mean

# What Lightning's Trainer(precision=...) accepts, as strings (ints are normalised to these).
PRECISIONS: tuple[str, ...] = (
    "64", "32", "16", "bf16",
    "64-true", "32-true", "16-true", "bf16-true",
    "16-mixed", "bf16-mixed",
    "transformer-engine", "transformer-engine-float16",
)  # fmt: skip

# Schedules built by connectomics.lightning (each after an optional linear warm-up).
SCHEDULERS: tuple[str, ...] = ("CosineAnnealingLR", "PolyLR", "StepLR", "ReduceLROnPlateau", "none")


def normalise_precision(value: Any) -> str:
    """Lightning's spelling of a precision value: 32 -> "32", " BF16-Mixed " -> "bf16-mixed"."""
    text = str(value).strip().lower()
    if text.endswith(".0") and text[:-2].isdigit():  # 32.0 from a YAML float
        text = text[:-2]
    return text


def torch_optimizers() -> list[str]:
    """Names of the optimizer classes in torch.optim."""
    import torch

    return sorted(
        name
        for name, obj in vars(torch.optim).items()
        if isinstance(obj, type)
        and issubclass(obj, torch.optim.Optimizer)
        and obj is not torch.optim.Optimizer
    )


def check_training(cfg: Any) -> None:
    """Precision (normalised in place), optimizer/scheduler names and numeric ranges."""
    training = cfg.training
    precision = normalise_precision(training.precision)
    if precision not in PRECISIONS:
        hint = did_you_mean(precision, PRECISIONS)
        raise fail(
            "training.precision",
            f"{training.precision!r} is not a precision Lightning accepts",
            f"{hint}use one of 32, 16-mixed, bf16-mixed, 64 (or {', '.join(PRECISIONS[4:])})",
        )
    training.precision = precision
    check_range("training.max_epochs", training.max_epochs, -1)
    check_range("training.max_steps", training.max_steps, -1)
    check_max_time(training.max_time)
    check_range("training.accumulate_grad_batches", training.accumulate_grad_batches, 1)
    check_range("training.gradient_clip_val", training.gradient_clip_val, 0)
    check_choice(
        "training.gradient_clip_algorithm", training.gradient_clip_algorithm, ("norm", "value")
    )
    if training.val_check_interval <= 0:
        raise fail(
            "training.val_check_interval",
            f"{training.val_check_interval} is not positive",
            "use a fraction of an epoch (0, 1] or a batch count >= 1",
        )
    check_range("training.check_val_every_n_epoch", training.check_val_every_n_epoch, 1)

    optimizer = cfg.optimizer
    names = torch_optimizers()
    if optimizer.name not in names:
        hint = did_you_mean(optimizer.name, names)
        raise fail(
            "optimizer.name",
            f"{optimizer.name!r} is not a torch.optim optimizer",
            f"{hint}choose one of {', '.join(names)}",
        )
    if optimizer.lr <= 0:
        raise fail("optimizer.lr", f"{optimizer.lr} is not positive", "use e.g. 1e-3")
    check_range("optimizer.weight_decay", optimizer.weight_decay, 0)

    scheduler = cfg.scheduler
    if scheduler.name in ("None", "NONE"):
        scheduler.name = "none"
    check_choice("scheduler.name", scheduler.name, SCHEDULERS)
    check_range("scheduler.warmup_epochs", scheduler.warmup_epochs, 0)
    check_range("scheduler.warmup_start_factor", scheduler.warmup_start_factor, 0, 1)
    check_range("scheduler.min_lr", scheduler.min_lr, 0)
    if scheduler.min_lr > optimizer.lr:
        raise fail(
            "scheduler.min_lr",
            f"{scheduler.min_lr} exceeds optimizer.lr={optimizer.lr}",
            "set it below optimizer.lr",
        )
    check_range("scheduler.step_size", scheduler.step_size, 1)
    check_range("scheduler.gamma", scheduler.gamma, 0, 1)


def check_max_time(value: Any) -> None:
    """`training.max_time` is None or "DD:HH:MM:SS" with a positive total."""
    if value is None:
        return
    parts = str(value).split(":")
    if len(parts) != 4 or not all(p.strip().isdigit() for p in parts):
        raise fail(
            "training.max_time",
            f"{value!r} is not a duration",
            'write days:hours:minutes:seconds, e.g. "00:00:15:00" for 15 minutes',
        )
    days, hours, minutes, seconds = (int(p) for p in parts)
    if days * 86400 + hours * 3600 + minutes * 60 + seconds <= 0:
        raise fail(
            "training.max_time", f"{value!r} is zero", 'give a positive budget, e.g. "00:00:15:00"'
        )
