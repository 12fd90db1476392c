"""Model `example_pointwise`: a 1x1x1 convolution (importing this module registers it)."""

from __future__ import annotations

from typing import Any

from torch import nn

from connectomics.models import SegmentationNet, register_model


@register_model("example_pointwise", patch_multiple=lambda model: [1] * model.spatial_dims)
def build(cfg: Any) -> nn.Module:
    """One pointwise convolution from model.in_channels to model.out_channels."""
    dims = cfg.model.spatial_dims
    conv = (nn.Conv3d if dims == 3 else nn.Conv2d)(
        cfg.model.in_channels, cfg.model.out_channels, kernel_size=1
    )
    return SegmentationNet(conv, "example_pointwise", [[1] * dims], [1] * dims)
