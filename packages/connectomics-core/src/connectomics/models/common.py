"""Checks shared by the builders of MONAI networks."""

from __future__ import annotations

from connectomics.config.errors import ConfigError
from connectomics.config.schema import ModelConfig
from connectomics.models.options import spatial_dims


def require_no_deep_supervision(model_cfg: ModelConfig, name: str) -> None:
    """Reject `model.deep_supervision` for an architecture without supervision heads."""
    if bool(model_cfg.deep_supervision):
        raise ConfigError(
            f"model.architecture {name} has no deep supervision; set model.deep_supervision=false "
            f"or use unet_res_em, dynunet or mednext_s/b/m/l"
        )


def require_default_strides(model_cfg: ModelConfig, name: str) -> None:
    """Reject custom `model.strides` for an architecture that always halves every axis."""
    strides = model_cfg.strides
    if strides is not None and any(s != 2 for entry in strides for s in entry):
        raise ConfigError(
            f"model.architecture {name} down-samples by 2 along every axis; set model.strides "
            f"to null, or use unet_res_em, unet or dynunet for anisotropic strides"
        )


def require_no_dropout(model_cfg: ModelConfig, name: str) -> None:
    """Reject `model.dropout` for an architecture without a dropout option."""
    if float(model_cfg.dropout) > 0:
        raise ConfigError(f"model.architecture {name} has no dropout; set model.dropout=0")


def isotropic(model_cfg: ModelConfig, factor: int) -> list[int]:
    """`factor` along every spatial axis."""
    return [factor] * spatial_dims(model_cfg)


def halving_scales(model_cfg: ModelConfig, levels: int) -> list[list[int]]:
    """Scales 1, 2, 4, ... of `levels` levels that halve every axis."""
    dims = spatial_dims(model_cfg)
    return [[2**i] * dims for i in range(levels)]
