"""`checkpoint`, `early_stopping` and `logging` sections."""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from connectomics.config.checks.common import fail
from connectomics.config.metrics_logged import (
    FILENAME_FIELDS,
    VAL_LOSS,
    better_mode,
    check_mode,
    check_monitor,
)
from connectomics.config.schema.section import NonNegativeFloat, NonNegativeInt, Section

Mode = Literal["min", "max"]


def _derived_mode(cls: type[Section], data: Any) -> Any:
    """`data` with mode set to the direction its monitored metric improves, when unset."""
    if isinstance(data, Mapping) and data.get("mode") is None:
        monitor = data.get("monitor", cls.model_fields["monitor"].default)
        return {**data, "mode": better_mode(str(monitor))}
    return data


class CheckpointConfig(Section):
    """ModelCheckpoint settings."""

    monitor: str = VAL_LOSS
    # None: the direction the monitored metric improves (max for val/dice, min for losses).
    mode: Mode | None = None
    # -1 keeps every checkpoint, 0 none.
    save_top_k: int = Field(default=1, ge=-1)
    save_last: bool = True
    filename: str = "epoch{epoch:02d}-step{step}"
    # None means {logging.save_dir}/checkpoints.
    dirpath: str | None = None
    every_n_epochs: int = 1

    @model_validator(mode="before")
    @classmethod
    def _mode(cls, data: Any) -> Any:
        return _derived_mode(cls, data)

    @field_validator("monitor")
    @classmethod
    def _logged(cls, monitor: str) -> str:
        return check_monitor("checkpoint.monitor", monitor)

    @field_validator("filename")
    @classmethod
    def _fields_logged(cls, template: str) -> str:
        try:
            names = [name for _, name, _, _ in Formatter().parse(template) if name]
        except ValueError as exc:
            raise fail(
                "checkpoint.filename",
                f"{template!r} is not a valid template ({exc})",
                "balance the braces, e.g. epoch{epoch:02d}",
            ) from None
        for name in names:
            if name not in FILENAME_FIELDS:
                check_monitor("checkpoint.filename", name)
        return template

    @model_validator(mode="after")
    def _direction(self) -> CheckpointConfig:
        check_mode("checkpoint.mode", self.monitor, self.mode)
        return self


class EarlyStoppingConfig(Section):
    """EarlyStopping settings."""

    enabled: bool = True
    monitor: str = VAL_LOSS
    patience: NonNegativeInt = 20
    # None: the direction the monitored metric improves.
    mode: Mode | None = None
    min_delta: NonNegativeFloat = 0.0

    @model_validator(mode="before")
    @classmethod
    def _mode(cls, data: Any) -> Any:
        return _derived_mode(cls, data)

    @model_validator(mode="after")
    def _watched(self) -> EarlyStoppingConfig:
        if self.enabled:
            check_monitor("early_stopping.monitor", self.monitor)
            check_mode("early_stopping.mode", self.monitor, self.mode)
        return self


class LoggingConfig(Section):
    """Loggers and what they record."""

    save_dir: str = "outputs"
    log_every_n_steps: int = Field(default=10, ge=1)
    use_wandb: bool = False
    wandb_project: str = "connectomics"
    wandb_entity: str | None = None
    wandb_name: str | None = None
    # Image callback: log input/target/prediction slices after validation.
    log_images: bool = True
    progress_bar: bool = True

    @model_validator(mode="after")
    def _wandb_project(self) -> LoggingConfig:
        if self.use_wandb and not self.wandb_project:
            raise fail(
                "logging.wandb_project",
                "empty while logging.use_wandb is true",
                "name a wandb project",
            )
        return self
