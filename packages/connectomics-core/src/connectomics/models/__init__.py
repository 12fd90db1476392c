"""Model registry: MONAI networks and an EM residual U-Net."""

from importlib.metadata import PackageNotFoundError, version

# Importing the builders fills the registry.
from connectomics.models import mednext, monai_transformers, monai_unets, unet_res_em  # noqa: F401
from connectomics.models.registry import (
    MODEL_REGISTRY,
    PATCH_MULTIPLE_REGISTRY,
    build_model,
    list_models,
    patch_multiple,
    register_model,
)
from connectomics.models.unet_res_em import ResidualSymmetricUNet
from connectomics.models.wrapper import SegmentationNet

try:
    __version__ = version("connectomics-core")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

__all__ = [
    "MODEL_REGISTRY",
    "PATCH_MULTIPLE_REGISTRY",
    "ResidualSymmetricUNet",
    "SegmentationNet",
    "build_model",
    "list_models",
    "patch_multiple",
    "register_model",
]
