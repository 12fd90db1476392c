"""`training`, `optimizer` and `scheduler` sections."""

from dataclasses import dataclass, field


@dataclass
class TrainingConfig:
    """Trainer loop settings."""

    max_epochs: int = 10
    # -1 means no step limit.
    max_steps: int = -1
    # Wall-clock budget "DD:HH:MM:SS" (e.g. "00:00:15:00"); training stops at whichever of
    # max_epochs, max_steps and max_time comes first, with a checkpoint. None: no time limit.
    max_time: str | None = None
    # "32", "16-mixed", "bf16-mixed" (falls back to 32 on the CPU for 16-mixed).
    precision: str = "32"
    accumulate_grad_batches: int = 1
    gradient_clip_val: float | None = None
    gradient_clip_algorithm: str = "norm"
    # Fraction of an epoch (float) or number of batches (int >= 1) between validations.
    val_check_interval: float = 1.0
    check_val_every_n_epoch: int = 1
    deterministic: bool = False
    # Stop at the first NaN/inf loss or weight, naming the step and the likely cause.
    check_finite: bool = True
    # Lightning's autograd anomaly detection: finds the operation that made a NaN (slow).
    detect_anomaly: bool = False


@dataclass
class OptimizerConfig:
    """Optimizer by torch.optim name."""

    name: str = "AdamW"
    lr: float = 1e-3
    weight_decay: float = 1e-4
    momentum: float = 0.9
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])


@dataclass
class SchedulerConfig:
    """Learning-rate schedule, stepped per optimizer step, with linear warm-up."""

    # CosineAnnealingLR, PolyLR, StepLR, ReduceLROnPlateau or none.
    name: str = "CosineAnnealingLR"
    warmup_epochs: float = 0.0
    # Learning rate factor at the start of warm-up.
    warmup_start_factor: float = 0.01
    min_lr: float = 1e-6
    # PolyLR exponent.
    power: float = 0.9
    # StepLR: epochs between decays and the decay factor (also ReduceLROnPlateau's factor).
    step_size: int = 30
    gamma: float = 0.1
    # ReduceLROnPlateau: epochs without improvement and the metric watched.
    patience: int = 10
    monitor: str = "val/loss"
