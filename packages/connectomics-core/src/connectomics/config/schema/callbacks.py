"""`checkpoint`, `early_stopping` and `logging` sections."""

from dataclasses import dataclass


@dataclass
class CheckpointConfig:
    """ModelCheckpoint settings."""

    monitor: str = "val/loss"
    mode: str = "min"
    save_top_k: int = 1
    save_last: bool = True
    filename: str = "epoch{epoch:02d}-step{step}"
    # None means {logging.save_dir}/checkpoints.
    dirpath: str | None = None
    every_n_epochs: int = 1


@dataclass
class EarlyStoppingConfig:
    """EarlyStopping settings."""

    enabled: bool = True
    monitor: str = "val/loss"
    patience: int = 20
    mode: str = "min"
    min_delta: float = 0.0


@dataclass
class LoggingConfig:
    """Loggers and what they record."""

    save_dir: str = "outputs"
    log_every_n_steps: int = 10
    use_wandb: bool = False
    wandb_project: str = "connectomics"
    wandb_entity: str | None = None
    wandb_name: str | None = None
    # Image callback: log input/target/prediction slices after validation.
    log_images: bool = True
    progress_bar: bool = True
