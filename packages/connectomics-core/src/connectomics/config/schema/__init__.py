"""The typed configuration: one pydantic model per section, validated once at load time."""

from __future__ import annotations

from pydantic import Field, model_validator

from connectomics.config.checks.common import fail
from connectomics.config.checks.names import check_names
from connectomics.config.checks.registry_checks import run_registered_checks
from connectomics.config.schema.augmentation import AugmentationConfig
from connectomics.config.schema.callbacks import (
    CheckpointConfig,
    EarlyStoppingConfig,
    LoggingConfig,
)
from connectomics.config.schema.data import DataConfig, TargetConfig
from connectomics.config.schema.geometry import check_geometry, per_axis
from connectomics.config.schema.inference import (
    DecodingConfig,
    EvaluationConfig,
    InferenceConfig,
)
from connectomics.config.schema.model import ModelConfig
from connectomics.config.schema.outputs import check_outputs
from connectomics.config.schema.section import Section
from connectomics.config.schema.system import SystemConfig
from connectomics.config.schema.training import (
    OptimizerConfig,
    SchedulerConfig,
    TrainingConfig,
)


class Config(Section):
    """The whole configuration of a run."""

    experiment_name: str = "connectomics"
    system: SystemConfig = Field(default_factory=SystemConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    data: DataConfig = Field(default_factory=DataConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    checkpoint: CheckpointConfig = Field(default_factory=CheckpointConfig)
    early_stopping: EarlyStoppingConfig = Field(default_factory=EarlyStoppingConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    inference: InferenceConfig = Field(default_factory=InferenceConfig)
    decoding: DecodingConfig = Field(default_factory=DecodingConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)

    @model_validator(mode="after")
    def _across_sections(self) -> Config:
        check_outputs(self)
        check_names(self)  # every registry-backed name (the registries fill themselves)
        run_registered_checks(self)  # the model and loss layers' own checks (registry_checks.py)
        check_geometry(self)
        if self.scheduler.min_lr > self.optimizer.lr:
            raise fail(
                "scheduler.min_lr",
                f"{self.scheduler.min_lr} exceeds optimizer.lr={self.optimizer.lr}",
                "set it below optimizer.lr",
            )
        self._check_inference_channels()
        self._per_axis_inference()
        return self

    def _check_inference_channels(self) -> None:
        out = self.model.out_channels
        activation = self.inference.activation
        if isinstance(activation, list) and len(activation) != out:
            raise fail(
                "inference.activation",
                f"{len(activation)} activation(s) for model.out_channels={out}",
                f"give {out} names or one",
            )
        for c in self.inference.output_channels or []:
            if not c < out:
                raise fail(
                    "inference.output_channels",
                    f"channel {c} does not exist (model.out_channels={out})",
                    f"use indices 0..{out - 1}",
                )

    def _per_axis_inference(self) -> None:
        """inference.overlap and border_padding: one value, or one per axis."""
        self.overlap_per_axis()
        self.border_padding_per_axis()

    def overlap_per_axis(self) -> list[float]:
        """inference.overlap with one value per spatial axis of the model."""
        return per_axis("inference.overlap", self.inference.overlap, self.model.spatial_dims)

    def border_padding_per_axis(self) -> list[int]:
        """inference.border_padding with one value per spatial axis of the model."""
        value = self.inference.border_padding
        return per_axis("inference.border_padding", value, self.model.spatial_dims)


__all__ = [
    "AugmentationConfig",
    "CheckpointConfig",
    "Config",
    "DataConfig",
    "DecodingConfig",
    "EarlyStoppingConfig",
    "EvaluationConfig",
    "InferenceConfig",
    "LoggingConfig",
    "ModelConfig",
    "OptimizerConfig",
    "SchedulerConfig",
    "SystemConfig",
    "TargetConfig",
    "TrainingConfig",
]
