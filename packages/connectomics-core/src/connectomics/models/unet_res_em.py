"""EM residual symmetric U-Net (`unet_res_em`), after Lee et al. 2017 (arXiv:1706.00120).

Written here because MONAI has no U-Net with additive (symmetric) skips, anisotropic per-level
kernels and 1x1 deep-supervision heads on every decoder level; its blocks are MONAI's.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import torch
from monai.networks.blocks import UnetOutBlock, UnetResBlock
from monai.networks.blocks.dynunet_block import get_conv_layer
from monai.networks.layers.factories import Pool
from torch import nn

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config
from connectomics.models import options
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
        *,
        norm: str | tuple,
        act: str | tuple,
        dropout: float,
        deep_supervision: bool,
        blocks: int | Sequence[int],
    ) -> None:
        super().__init__()
        kernels = options.level_kernels(strides)
        depth = level_blocks(blocks, len(filters))
        drop = dropout or None
        self.deep_supervision = deep_supervision

        def stage(level: int, width_in: int, width_out: int) -> nn.Module:
            """`depth[level]` residual blocks at one level (the first changes the width)."""
            layers = [
                UnetResBlock(
                    spatial_dims,
                    width_in if b == 0 else width_out,
                    width_out,
                    kernels[level],
                    1,
                    norm,
                    act,
                    drop,
                )
                for b in range(depth[level])
            ]
            return layers[0] if len(layers) == 1 else nn.Sequential(*layers)

        self.embed = stage(0, in_channels, filters[0])
        pool = Pool[Pool.MAX, spatial_dims]
        self.down = nn.ModuleList(pool(kernel_size=s, stride=s) for s in strides)
        self.encoders = nn.ModuleList(
            stage(i + 1, filters[i], filters[i + 1]) for i in range(len(strides))
        )
        self.up = nn.ModuleList(
            get_conv_layer(
                spatial_dims, filters[i + 1], filters[i], s, s, conv_only=True, is_transposed=True
            )
            for i, s in enumerate(strides)
        )
        self.decoders = nn.ModuleList(stage(i, filters[i], filters[i]) for i in range(len(strides)))
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


def level_blocks(blocks: int | Sequence[int], levels: int) -> list[int]:
    """Residual blocks per resolution level: one count for all levels, or one per level."""
    counts = [int(blocks)] * levels if isinstance(blocks, int) else [int(b) for b in blocks]
    if len(counts) != levels or min(counts) < 1:
        raise ConfigError(
            f"model.kwargs.blocks must be a positive count or one per level ({levels} levels, "
            f"like model.filters), got {blocks!r}"
        )
    return counts


@register_model("unet_res_em", patch_multiple=options.strides_multiple)
def build_unet_res_em(cfg: Config) -> SegmentationNet:
    """The EM residual symmetric U-Net from cfg.model (model.kwargs: `act`)."""
    model = cfg.model
    widths = options.filters(model)
    strides = options.transition_strides(model)
    kwargs = options.extra_kwargs(model)
    net = ResidualSymmetricUNet(
        spatial_dims=options.spatial_dims(model),
        in_channels=int(model.in_channels),
        out_channels=int(model.out_channels),
        filters=widths,
        strides=strides,
        norm=kwargs.pop("norm", options.norm_spec(model, widths)),
        act=kwargs.pop("act", DEFAULT_ACT),
        dropout=float(model.dropout),
        deep_supervision=bool(model.deep_supervision),
        blocks=kwargs.pop("blocks", 1),
    )
    if kwargs:
        raise ConfigError(
            f"model.kwargs {sorted(kwargs)} are not options of unet_res_em "
            "(it accepts: act, norm, blocks)"
        )
    return SegmentationNet(
        net,
        "unet_res_em",
        output_scales=options.cumulative_scales(strides)[: len(strides)],
        patch_multiple=options.strides_multiple(model),
        deep_supervision=bool(model.deep_supervision),
    )


@register_model("rsunet", patch_multiple=options.strides_multiple)
def build_rsunet(cfg: Config) -> SegmentationNet:
    """`unet_res_em` with two residual blocks per level (`model.kwargs.blocks: 2` by default).

    The capacity of PyTorch Connectomics' RSUNet at the same widths (2.73 M parameters at
    filters [16, 32, 64, 128] against its 2.65 M), so a model moved from there keeps its size.
    """
    cfg = copy.deepcopy(cfg)
    kwargs = options.extra_kwargs(cfg.model)
    kwargs.setdefault("blocks", 2)
    cfg.model.kwargs = kwargs
    net = build_unet_res_em(cfg)
    net.name = "rsunet"
    return net
