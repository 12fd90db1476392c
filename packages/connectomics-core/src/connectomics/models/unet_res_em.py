"""EM residual symmetric U-Net (`unet_res_em`), after Lee et al. 2017 (arXiv:1706.00120).

Written here because MONAI has no U-Net with additive (symmetric) skips, anisotropic per-level
kernels and 1x1 deep-supervision heads on every decoder level; its blocks are MONAI's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from monai.networks.blocks import UnetOutBlock, UnetResBlock
from monai.networks.blocks.dynunet_block import get_conv_layer
from monai.networks.layers.factories import Pool
from torch import nn

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

DEFAULT_ACT: tuple[str, dict[str, Any]] = ("elu", {"inplace": True})


class ResidualSymmetricUNet(nn.Module):
    """U-Net of residual blocks, max-pool down-sampling and summed (symmetric) skips.

    Training with `deep_supervision` returns one logits map per decoder level, finest first,
    each at its level's resolution; otherwise the full-resolution logits.
    """

    def __init__(
        self,
        spatial_dims: int,
        in_channels: int,
        out_channels: int,
        filters: Sequence[int],
        strides: Sequence[Sequence[int]],
        norm: str | tuple = "batch",
        act: str | tuple = DEFAULT_ACT,
        dropout: float = 0.0,
        deep_supervision: bool = False,
    ) -> None:
        super().__init__()
        kernels = level_kernels(strides)
        drop = dropout or None
        self.deep_supervision = deep_supervision
        self.embed = UnetResBlock(
            spatial_dims, in_channels, filters[0], kernels[0], 1, norm, act, drop
        )
        pool = Pool[Pool.MAX, spatial_dims]
        self.down = nn.ModuleList(pool(kernel_size=s, stride=s) for s in strides)
        self.encoders = nn.ModuleList(
            UnetResBlock(
                spatial_dims, filters[i], filters[i + 1], kernels[i + 1], 1, norm, act, drop
            )
            for i in range(len(strides))
        )
        self.up = nn.ModuleList(
            get_conv_layer(
                spatial_dims, filters[i + 1], filters[i], s, s, conv_only=True, is_transposed=True
            )
            for i, s in enumerate(strides)
        )
        self.decoders = nn.ModuleList(
            UnetResBlock(spatial_dims, filters[i], filters[i], kernels[i], 1, norm, act, drop)
            for i in range(len(strides))
        )
        n_heads = len(strides) if deep_supervision else 1
        self.heads = nn.ModuleList(
            UnetOutBlock(spatial_dims, filters[i], out_channels) for i in range(n_heads)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor | list[torch.Tensor]:
        """Full-resolution logits, or the per-level list in training with deep supervision."""
        skips = [self.embed(x)]
        for down, encode in zip(self.down, self.encoders):
            skips.append(encode(down(skips[-1])))
        x = skips.pop()
        decoded: list[torch.Tensor] = []
        for level in reversed(range(len(self.decoders))):
            x = self.decoders[level](self.up[level](x) + skips[level])
            decoded.append(x)
        decoded.reverse()  # finest first
        if self.training and self.deep_supervision:
            return [head(feature) for head, feature in zip(self.heads, decoded)]
        return self.heads[0](decoded[0])


def _patch_multiple(model_cfg: Any) -> list[int]:
    return strides_multiple(model_cfg)


@register_model("unet_res_em", patch_multiple=_patch_multiple)
def build_unet_res_em(cfg: Any) -> SegmentationNet:
    """The EM residual symmetric U-Net from cfg.model (model.kwargs: `act`)."""
    model = cfg.model
    widths = filters(model)
    strides = transition_strides(model)
    kwargs = extra_kwargs(model)
    net = ResidualSymmetricUNet(
        spatial_dims=spatial_dims(model),
        in_channels=int(model.in_channels),
        out_channels=int(model.out_channels),
        filters=widths,
        strides=strides,
        norm=kwargs.pop("norm", norm_spec(model, widths)),
        act=kwargs.pop("act", DEFAULT_ACT),
        dropout=float(model.dropout),
        deep_supervision=bool(model.deep_supervision),
    )
    if kwargs:
        from connectomics.models.errors import config_error

        raise config_error(
            f"model.kwargs {sorted(kwargs)} are not options of unet_res_em (it accepts: act, norm)"
        )
    return SegmentationNet(
        net,
        "unet_res_em",
        output_scales=cumulative_scales(strides)[: len(strides)],
        patch_multiple=strides_multiple(model),
        deep_supervision=bool(model.deep_supervision),
    )
