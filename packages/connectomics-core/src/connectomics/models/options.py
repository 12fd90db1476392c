"""Network options derived from `cfg.model`: strides, kernels, norms and the patch multiple."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config, ModelConfig


def spatial_dims(model_cfg: ModelConfig) -> int:
    """`model.spatial_dims` (2 or 3, checked by the schema)."""
    return model_cfg.spatial_dims


def filters(model_cfg: ModelConfig, minimum: int = 2) -> list[int]:
    """`model.filters`, at least `minimum` levels (the architecture's own need)."""
    widths = list(model_cfg.filters)
    if len(widths) < minimum:
        raise ConfigError(
            f"model.filters must list at least {minimum} feature widths "
            f"(one per resolution level), got {widths}"
        )
    return widths


def transition_strides(model_cfg: ModelConfig) -> list[list[int]]:
    """Per-axis down-sampling factor of each level transition (len(filters) - 1 of them)."""
    n = len(filters(model_cfg)) - 1
    if model_cfg.strides is None:
        return [[2] * model_cfg.spatial_dims for _ in range(n)]
    return [list(s) for s in model_cfg.strides]


def cumulative_scales(strides: Sequence[Sequence[int]]) -> list[list[int]]:
    """Down-sampling factor of every level relative to the input, finest (all ones) first."""
    dims = len(strides[0]) if strides else 0
    scales = [[1] * dims]
    for stride in strides:
        scales.append([a * b for a, b in zip(scales[-1], stride)])
    return scales


def strides_multiple(model_cfg: ModelConfig) -> list[int]:
    """Patch multiple of a U-Net with `model.strides`: the product of strides per axis."""
    strides = transition_strides(model_cfg)
    if not strides:
        return [1] * spatial_dims(model_cfg)
    return cumulative_scales(strides)[-1]


def level_kernels(strides: Sequence[Sequence[int]]) -> list[list[int]]:
    """Kernel of each level: size 1 along axes an anisotropic stride leaving the level skips.

    A level left with stride (1, 2, 2) sees serial sections at a coarser z resolution, so its
    convolutions are 2D-like (1, 3, 3); the bottom level and isotropic levels use 3 everywhere.
    """
    kernels = []
    for stride in strides:
        anisotropic = max(stride) > 1 and min(stride) == 1
        kernels.append([1 if anisotropic and s == 1 else 3 for s in stride])
    dims = len(strides[0]) if strides else 0
    kernels.append([3] * dims)
    return kernels


def norm_spec(model_cfg: ModelConfig, widths: Sequence[int]) -> str | tuple[str, dict[str, Any]]:
    """MONAI norm name for `model.norm`; group norm picks a group count dividing every width."""
    norm = model_cfg.norm
    if norm == "instance":
        return ("instance", {"affine": True})
    if norm == "group":
        return ("group", {"num_groups": math.gcd(8, *widths)})
    return "batch"


def extra_kwargs(model_cfg: ModelConfig) -> dict[str, Any]:
    """`model.kwargs` as a dict (they override the derived constructor arguments)."""
    return dict(model_cfg.kwargs)


def patch_size(cfg: Config) -> list[int]:
    """`data.patch_size` (as many axes as model.spatial_dims, checked by the schema)."""
    return list(cfg.data.patch_size)
