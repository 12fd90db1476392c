"""PyTorch Lightning integration for connectomics: module, data module and trainer factory."""

from importlib.metadata import PackageNotFoundError, version

from connectomics.lightning.datamodule import ConnectomicsDataModule
from connectomics.lightning.errors import CheckpointError, RunExistsError
from connectomics.lightning.module import ConnectomicsModule
from connectomics.lightning.trainer import create_trainer
from connectomics.lightning.writers import VolumePredictionWriter

try:
    __version__ = version("connectomics-lightning")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

__all__ = [
    "CheckpointError",
    "ConnectomicsDataModule",
    "ConnectomicsModule",
    "RunExistsError",
    "VolumePredictionWriter",
    "create_trainer",
]
