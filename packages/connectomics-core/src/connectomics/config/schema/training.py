"""`training`, `optimizer` and `scheduler` sections."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from connectomics.config.checks.common import fail
from connectomics.config.metrics_logged import VAL_LOSS, check_monitor
from connectomics.config.schema.section import (
    NonNegativeFloat,
    PositiveInt,
    Probability,
    Section,
)
from connectomics.config.suggest import did_you_mean

# What Lightning's Trainer(precision=...) accepts, as strings (ints are normalised to these).
Precision = Literal[
    "64", "32", "16", "bf16",
    "64-true", "32-true", "16-true", "bf16-true",
    "16-mixed", "bf16-mixed",
    "transformer-engine", "transformer-engine-float16",
]  # fmt: skip
PRECISIONS: tuple[str, ...] = Precision.__args__

# Schedules built by connectomics.lightning (each after an optional linear warm-up).
Scheduler = Literal["CosineAnnealingLR", "PolyLR", "StepLR", "ReduceLROnPlateau", "none"]


def normalise_precision(value: Any) -> str:
    """Lightning's spelling of a precision value: 32 -> "32", " BF16-Mixed " -> "bf16-mixed"."""
    text = str(value).strip().lower()
    if text.endswith(".0") and text[:-2].isdigit():  # 32.0 from a YAML float
        text = text[:-2]
    return text


def _check_max_time(value: str | None) -> str | None:
    """`training.max_time` is None or "DD:HH:MM:SS" with a positive total."""
    if value is None:
        return None
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
    return value


class TrainingConfig(Section):
    """Trainer loop settings."""

    max_epochs: int = Field(default=10, ge=-1)
    # -1 means no step limit.
    max_steps: int = Field(default=-1, ge=-1)
    # Wall-clock budget "DD:HH:MM:SS" (e.g. "00:00:15:00"); training stops at whichever of
    # max_epochs, max_steps and max_time comes first, with a checkpoint. None: no time limit.
    max_time: str | None = None
    # "32", "16-mixed", "bf16-mixed" (falls back to 32 on the CPU for 16-mixed).
    precision: Precision = "32"
    accumulate_grad_batches: PositiveInt = 1
    gradient_clip_val: NonNegativeFloat | None = None
    gradient_clip_algorithm: Literal["norm", "value"] = "norm"
    # Fraction of an epoch (float) or number of batches (int >= 1) between validations.
    val_check_interval: float = Field(default=1.0, gt=0)
    check_val_every_n_epoch: PositiveInt = 1
    deterministic: bool = False
    # Stop at the first NaN/inf loss or weight, naming the step and the likely cause.
    check_finite: bool = True
    # Lightning's autograd anomaly detection: finds the operation that made a NaN (slow).
    detect_anomaly: bool = False
    # Exponential moving average of the weights (Lightning's EMAWeightAveraging) with this
    # decay per optimizer step, e.g. 0.999; validation, checkpoints and the final model use the
    # averaged weights. None: off.
    ema_decay: float | None = Field(default=None, gt=0, lt=1)

    @field_validator("max_time")
    @classmethod
    def _max_time(cls, value: str | None) -> str | None:
        return _check_max_time(value)

    @field_validator("precision", mode="before")
    @classmethod
    def _precision(cls, value: Any) -> str:
        precision = normalise_precision(value)
        if precision not in PRECISIONS:
            hint = did_you_mean(precision, PRECISIONS)
            raise fail(
                "training.precision",
                f"{str(value)!r} is not a precision Lightning accepts",
                f"{hint}use one of 32, 16-mixed, bf16-mixed, 64 (or {', '.join(PRECISIONS[4:])})",
            )
        return precision


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


class OptimizerConfig(Section):
    """Optimizer by torch.optim name."""

    name: str = "AdamW"
    lr: float = Field(default=1e-3, gt=0)
    weight_decay: NonNegativeFloat = 1e-4
    momentum: float = 0.9
    betas: list[float] = Field(default_factory=lambda: [0.9, 0.999])

    @field_validator("name")
    @classmethod
    def _torch_optimizer(cls, name: str) -> str:
        names = torch_optimizers()
        if name not in names:
            raise fail(
                "optimizer.name",
                f"{name!r} is not a torch.optim optimizer",
                f"{did_you_mean(name, names)}choose one of {', '.join(names)}",
            )
        return name


class SchedulerConfig(Section):
    """Learning-rate schedule, stepped per optimizer step, with linear warm-up."""

    # CosineAnnealingLR, PolyLR, StepLR, ReduceLROnPlateau or none.
    name: Scheduler = "CosineAnnealingLR"
    warmup_epochs: NonNegativeFloat = 0.0
    # Learning rate factor at the start of warm-up.
    warmup_start_factor: Probability = 0.01
    # Not above optimizer.lr.
    min_lr: NonNegativeFloat = 1e-6
    # PolyLR exponent.
    power: float = 0.9
    # StepLR: epochs between decays and the decay factor (also ReduceLROnPlateau's factor).
    step_size: PositiveInt = 30
    gamma: Probability = 0.1
    # ReduceLROnPlateau: epochs without improvement and the metric watched.
    patience: int = 10
    monitor: str = VAL_LOSS

    @field_validator("name", mode="before")
    @classmethod
    def _none(cls, name: Any) -> Any:
        return "none" if name in ("None", "NONE", None) else name

    @field_validator("monitor")
    @classmethod
    def _logged(cls, monitor: str) -> str:
        return check_monitor("scheduler.monitor", monitor)
