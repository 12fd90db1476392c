"""MONAI MedNeXt variants S/B/M/L (`mednext_s` ... `mednext_l`) with init_filters from the config."""

from __future__ import annotations

from typing import Any

from monai.networks.nets import MedNeXt

from connectomics.config.schema import Config
from connectomics.models.common import (
    halving_scales,
    isotropic,
    require_default_strides,
    require_no_dropout,
)
from connectomics.models.options import extra_kwargs, filters, spatial_dims
from connectomics.models.registry import register_model
from connectomics.models.wrapper import SegmentationNet

MEDNEXT_LEVELS = 5  # four halvings below full resolution

# The variants of Roy et al. 2023 (arXiv:2303.09975), as in monai.networks.nets.create_mednext,
# which fixes init_filters at 32; here model.filters[0] sets it.
VARIANT_KEYS = (
    "encoder_expansion_ratio",
    "decoder_expansion_ratio",
    "bottleneck_expansion_ratio",
    "blocks_down",
    "blocks_bottleneck",
    "blocks_up",
)
MEDNEXT_VARIANTS: dict[str, dict[str, Any]] = {
    variant: dict(zip(VARIANT_KEYS, values))
    for variant, values in {
        "s": (2, 2, 2, (2, 2, 2, 2), 2, (2, 2, 2, 2)),
        "b": ((2, 3, 4, 4), (4, 4, 3, 2), 4, (2, 2, 2, 2), 2, (2, 2, 2, 2)),
        "m": ((2, 3, 4, 4), (4, 4, 3, 2), 4, (3, 4, 4, 4), 4, (4, 4, 4, 3)),
        "l": ((3, 4, 8, 8), (8, 8, 4, 3), 8, (3, 4, 8, 8), 8, (8, 8, 4, 3)),
    }.items()
}


def _register_variant(variant: str) -> None:
    name = f"mednext_{variant}"

    @register_model(name, patch_multiple=lambda m: isotropic(m, 2 ** (MEDNEXT_LEVELS - 1)))
    def build(cfg: Config) -> SegmentationNet:
        model = cfg.model
        require_default_strides(model, name)
        require_no_dropout(model, name)
        deep = bool(model.deep_supervision)
        options: dict[str, Any] = {
            "spatial_dims": spatial_dims(model),
            "init_filters": filters(model, minimum=1)[0],
            "in_channels": int(model.in_channels),
            "out_channels": int(model.out_channels),
            "kernel_size": 3,
            "deep_supervision": deep,
            "use_residual_connection": True,
            "norm_type": "group",
            **MEDNEXT_VARIANTS[variant],
        }
        options.update(extra_kwargs(model))
        levels = MEDNEXT_LEVELS if deep else 1
        return SegmentationNet(
            MedNeXt(**options),
            name,
            halving_scales(model, levels),
            isotropic(model, 2 ** (MEDNEXT_LEVELS - 1)),
            deep_supervision=deep,
        )

    build.__doc__ = f"MONAI MedNeXt-{variant.upper()}; init_filters = model.filters[0]."


for _variant in MEDNEXT_VARIANTS:
    _register_variant(_variant)
