"""MONAI transformer U-Nets: unetr and swinunetr (wrapped, not rewritten)."""

from __future__ import annotations

from typing import Any

from monai.networks.nets import UNETR, SwinUNETR

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config
from connectomics.models.common import (
    halving_scales,
    isotropic,
    require_default_strides,
    require_no_deep_supervision,
)
from connectomics.models.options import (
    extra_kwargs,
    filters,
    norm_spec,
    patch_size,
    spatial_dims,
)
from connectomics.models.registry import register_model
from connectomics.models.wrapper import SegmentationNet

UNETR_PATCH = 16  # MONAI UNETR's fixed ViT patch
SWIN_MULTIPLE = 32  # SwinUNETR: patch 2 and four patch mergings


def _check_patch(cfg: Config, name: str, multiple: int) -> list[int]:
    size = patch_size(cfg)
    if any(s % multiple for s in size):
        raise ConfigError(
            f"data.patch_size {size} must be a multiple of {multiple} along every axis for {name}"
        )
    return size


@register_model("unetr", patch_multiple=lambda m: isotropic(m, UNETR_PATCH))
def build_unetr(cfg: Config) -> SegmentationNet:
    """MONAI UNETR for inputs of exactly data.patch_size (img_size); feature_size = filters[0].

    The ViT size comes from model.kwargs (hidden_size, mlp_dim, num_heads; MONAI defaults).
    """
    model = cfg.model
    require_no_deep_supervision(model, "unetr")
    require_default_strides(model, "unetr")
    widths = filters(model, minimum=1)
    options: dict[str, Any] = {
        "in_channels": int(model.in_channels),
        "out_channels": int(model.out_channels),
        "img_size": _check_patch(cfg, "unetr", UNETR_PATCH),
        "feature_size": widths[0],
        "norm_name": norm_spec(model, [widths[0]]),
        "dropout_rate": float(model.dropout),
        "spatial_dims": spatial_dims(model),
    }
    options.update(extra_kwargs(model))
    return SegmentationNet(
        UNETR(**options), "unetr", halving_scales(model, 1), isotropic(model, UNETR_PATCH)
    )


@register_model("swinunetr", patch_multiple=lambda m: isotropic(m, SWIN_MULTIPLE))
def build_swinunetr(cfg: Config) -> SegmentationNet:
    """MONAI SwinUNETR; feature_size = filters[0] (a multiple of 12), patch multiple 32."""
    model = cfg.model
    require_no_deep_supervision(model, "swinunetr")
    require_default_strides(model, "swinunetr")
    _check_patch(cfg, "swinunetr", SWIN_MULTIPLE)
    kwargs = extra_kwargs(model)
    feature_size = int(kwargs.pop("feature_size", filters(model, minimum=1)[0]))
    if feature_size % 12:
        raise ConfigError(
            f"swinunetr needs model.filters[0] (its feature_size) to be a multiple of 12, "
            f"got {feature_size}; e.g. filters: [24, 48, 96, 192]"
        )
    options: dict[str, Any] = {
        "in_channels": int(model.in_channels),
        "out_channels": int(model.out_channels),
        "feature_size": feature_size,
        "norm_name": norm_spec(model, [feature_size]),
        "drop_rate": float(model.dropout),
        "spatial_dims": spatial_dims(model),
    }
    options.update(kwargs)
    return SegmentationNet(
        SwinUNETR(**options),
        "swinunetr",
        halving_scales(model, 1),
        isotropic(model, SWIN_MULTIPLE),
    )
