"""Model registry: MONAI networks and an EM residual U-Net."""

from connectomics.config.version import distribution_version

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

__version__ = distribution_version("connectomics-core")

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
