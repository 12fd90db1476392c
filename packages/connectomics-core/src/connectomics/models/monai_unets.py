"""MONAI convolutional U-Nets: basic_unet, unet, dynunet, segresnet (wrapped, not rewritten)."""

from __future__ import annotations

from typing import Any

import torch
from monai.networks.nets import BasicUNet, DynUNet, SegResNet, UNet
from torch import nn

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config, ModelConfig
from connectomics.models.common import (
    halving_scales,
    isotropic,
    require_default_strides,
    require_no_deep_supervision,
)
from connectomics.models.options import (
    cumulative_scales,
    extra_kwargs,
    filters,
    level_kernels,
    norm_spec,
    spatial_dims,
    strides_multiple,
    transition_strides,
)
from connectomics.models.registry import register_model
from connectomics.models.wrapper import SegmentationNet

BASIC_UNET_LEVELS = 5  # BasicUNet: 5 encoder widths plus the last decoder width


def _basic_unet_features(widths: list[int]) -> list[int]:
    """BasicUNet's six widths: model.filters (doubled up to five levels) then filters[0]."""
    if len(widths) == BASIC_UNET_LEVELS + 1:
        return widths
    if len(widths) > BASIC_UNET_LEVELS + 1:
        raise ConfigError(
            f"basic_unet takes at most 6 model.filters (5 levels + last decoder), got {widths}"
        )
    features = widths[:BASIC_UNET_LEVELS]
    while len(features) < BASIC_UNET_LEVELS:
        features.append(features[-1] * 2)
    return features + [widths[0]]


@register_model("basic_unet", patch_multiple=lambda m: isotropic(m, 16))
def build_basic_unet(cfg: Config) -> SegmentationNet:
    """MONAI BasicUNet: 4 halvings; model.filters give the level widths."""
    model = cfg.model
    require_no_deep_supervision(model, "basic_unet")
    require_default_strides(model, "basic_unet")
    features = _basic_unet_features(filters(model, minimum=1))
    options: dict[str, Any] = {
        "spatial_dims": spatial_dims(model),
        "in_channels": int(model.in_channels),
        "out_channels": int(model.out_channels),
        "features": features,
        "norm": norm_spec(model, features),
        "dropout": float(model.dropout),
    }
    options.update(extra_kwargs(model))
    return SegmentationNet(
        BasicUNet(**options), "basic_unet", halving_scales(model, 1), isotropic(model, 16)
    )


@register_model("unet", patch_multiple=strides_multiple)
def build_unet(cfg: Config) -> SegmentationNet:
    """MONAI UNet with model.filters as channels and model.strides (2 residual units)."""
    model = cfg.model
    require_no_deep_supervision(model, "unet")
    widths = filters(model)
    options: dict[str, Any] = {
        "spatial_dims": spatial_dims(model),
        "in_channels": int(model.in_channels),
        "out_channels": int(model.out_channels),
        "channels": widths,
        "strides": [tuple(s) for s in transition_strides(model)],
        "num_res_units": 2,
        "norm": norm_spec(model, widths),
        "dropout": float(model.dropout),
    }
    options.update(extra_kwargs(model))
    return SegmentationNet(
        UNet(**options), "unet", halving_scales(model, 1), strides_multiple(model)
    )


def _unpack_dynunet(net: nn.Module, output: Any) -> list[torch.Tensor]:
    """DynUNet stacks its heads up-sampled to full size; take them at their own resolution.

    DynUNet keeps each head's native-resolution output in `net.heads` (finest first) during
    the same forward pass; the stacked, interpolated copy is dropped.
    """
    if net.training and getattr(net, "deep_supervision", False):
        return [output[:, 0], *list(net.heads)]
    return [output]


@register_model("dynunet", patch_multiple=strides_multiple)
def build_dynunet(cfg: Config) -> SegmentationNet:
    """MONAI DynUNet with model.strides, anisotropic kernels and optional deep supervision."""
    model = cfg.model
    widths = filters(model, minimum=3 if model.deep_supervision else 2)
    strides = transition_strides(model)
    dims = spatial_dims(model)
    deep = bool(model.deep_supervision)
    options: dict[str, Any] = {
        "spatial_dims": dims,
        "in_channels": int(model.in_channels),
        "out_channels": int(model.out_channels),
        "kernel_size": level_kernels(strides),
        "strides": [[1] * dims, *strides],
        "upsample_kernel_size": strides,
        "filters": widths,
        "norm_name": norm_spec(model, widths),
        "dropout": float(model.dropout) or None,
        "deep_supervision": deep,
        "deep_supr_num": max(len(widths) - 2, 1),
    }
    options.update(extra_kwargs(model))
    heads = int(options["deep_supr_num"]) if deep else 0
    return SegmentationNet(
        DynUNet(**options),
        "dynunet",
        output_scales=cumulative_scales(strides)[: heads + 1],
        patch_multiple=strides_multiple(model),
        deep_supervision=deep,
        unpack=_unpack_dynunet,
    )


def _segresnet_multiple(model_cfg: ModelConfig) -> list[int]:
    return isotropic(model_cfg, 2 ** (len(filters(model_cfg)) - 1))


@register_model("segresnet", patch_multiple=_segresnet_multiple)
def build_segresnet(cfg: Config) -> SegmentationNet:
    """MONAI SegResNet: init_filters = filters[0], one level per entry of model.filters."""
    model = cfg.model
    require_no_deep_supervision(model, "segresnet")
    require_default_strides(model, "segresnet")
    widths = filters(model)
    levels = len(widths)
    options: dict[str, Any] = {
        "spatial_dims": spatial_dims(model),
        "init_filters": widths[0],
        "in_channels": int(model.in_channels),
        "out_channels": int(model.out_channels),
        "dropout_prob": float(model.dropout) or None,
        "norm": norm_spec(model, [widths[0]]),
        "blocks_down": (1,) + (2,) * (levels - 2) + (4,),
        "blocks_up": (1,) * (levels - 1),
    }
    options.update(extra_kwargs(model))
    return SegmentationNet(
        SegResNet(**options), "segresnet", halving_scales(model, 1), _segresnet_multiple(model)
    )
