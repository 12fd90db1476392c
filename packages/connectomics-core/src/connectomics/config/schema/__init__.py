"""Structured dataclasses for every config section."""

from dataclasses import dataclass, field

from connectomics.config.schema.augmentation import AugmentationConfig
from connectomics.config.schema.callbacks import (
    CheckpointConfig,
    EarlyStoppingConfig,
    LoggingConfig,
)
from connectomics.config.schema.data import DataConfig, TargetConfig
from connectomics.config.schema.inference import (
    DecodingConfig,
    EvaluationConfig,
    InferenceConfig,
)
from connectomics.config.schema.model import ModelConfig
from connectomics.config.schema.system import SystemConfig
from connectomics.config.schema.training import (
    OptimizerConfig,
    SchedulerConfig,
    TrainingConfig,
)


@dataclass
class Config:
    """The whole configuration of a run."""

    experiment_name: str = "connectomics"
    system: SystemConfig = field(default_factory=SystemConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    early_stopping: EarlyStoppingConfig = field(default_factory=EarlyStoppingConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    inference: InferenceConfig = field(default_factory=InferenceConfig)
    decoding: DecodingConfig = field(default_factory=DecodingConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)


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
