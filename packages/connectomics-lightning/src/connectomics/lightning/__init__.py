"""PyTorch Lightning integration for connectomics: module, data module and trainer factory."""

from connectomics.config.version import distribution_version
from connectomics.lightning.datamodule import ConnectomicsDataModule
from connectomics.lightning.errors import CheckpointError, RunExistsError
from connectomics.lightning.module import ConnectomicsModule
from connectomics.lightning.trainer import create_trainer
from connectomics.lightning.writers import VolumePredictionWriter

__version__ = distribution_version("connectomics-lightning")

__all__ = [
    "CheckpointError",
    "ConnectomicsDataModule",
    "ConnectomicsModule",
    "RunExistsError",
    "VolumePredictionWriter",
    "create_trainer",
]
