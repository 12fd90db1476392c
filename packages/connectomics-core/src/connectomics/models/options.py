"""Network options derived from `cfg.model`: strides, kernels, norms and the patch multiple."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from connectomics.config.errors import ConfigError
from connectomics.config.plain import plain

NORMS = ("batch", "instance", "group")


def spatial_dims(model_cfg: Any) -> int:
    """`model.spatial_dims`, checked to be 2 or 3."""
    dims = int(model_cfg.spatial_dims)
    if dims not in (2, 3):
        raise ConfigError(f"model.spatial_dims must be 2 or 3, got {dims}")
    return dims


def filters(model_cfg: Any, minimum: int = 2) -> list[int]:
    """`model.filters` as ints, at least `minimum` levels of positive widths."""
    widths = [int(f) for f in plain(model_cfg.filters)]
    if len(widths) < minimum or any(w <= 0 for w in widths):
        raise ConfigError(
            f"model.filters must list at least {minimum} positive feature widths "
            f"(one per resolution level), got {widths}"
        )
    return widths


def transition_strides(model_cfg: Any) -> list[list[int]]:
    """Per-axis down-sampling factor of each level transition (len(filters) - 1 of them)."""
    dims = spatial_dims(model_cfg)
    n = len(filters(model_cfg)) - 1
    strides = plain(model_cfg.strides)
    if strides is None:
        return [[2] * dims for _ in range(n)]
    if len(strides) != n:
        raise ConfigError(
            f"model.strides has {len(strides)} entries but model.filters has {n + 1} levels; "
            f"give one stride per level transition ({n}) or null for 2 along every axis"
        )
    result = []
    for entry in strides:
        per_axis = [int(entry)] * dims if isinstance(entry, int) else [int(s) for s in entry]
        if len(per_axis) != dims or any(s < 1 for s in per_axis):
            raise ConfigError(
                f"model.strides entry {entry} must list {dims} positive factors "
                f"(one per spatial axis, e.g. [1, 2, 2])"
            )
        result.append(per_axis)
    return result


def cumulative_scales(strides: Sequence[Sequence[int]]) -> list[list[int]]:
    """Down-sampling factor of every level relative to the input, finest (all ones) first."""
    dims = len(strides[0]) if strides else 0
    scales = [[1] * dims]
    for stride in strides:
        scales.append([a * b for a, b in zip(scales[-1], stride)])
    return scales


def strides_multiple(model_cfg: Any) -> list[int]:
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


def norm_spec(model_cfg: Any, widths: Sequence[int]) -> str | tuple[str, dict[str, Any]]:
    """MONAI norm name for `model.norm`; group norm picks a group count dividing every width."""
    norm = str(model_cfg.norm).lower()
    if norm not in NORMS:
        raise ConfigError(f"model.norm must be one of {', '.join(NORMS)}, got {model_cfg.norm!r}")
    if norm == "instance":
        return ("instance", {"affine": True})
    if norm == "group":
        return ("group", {"num_groups": math.gcd(8, *widths)})
    return "batch"


def extra_kwargs(model_cfg: Any) -> dict[str, Any]:
    """`model.kwargs` as a plain dict (they override the derived constructor arguments)."""
    kwargs = plain(model_cfg.kwargs) or {}
    if not isinstance(kwargs, Mapping):
        raise ConfigError(f"model.kwargs must be a mapping, got {kwargs!r}")
    return dict(kwargs)


def patch_size(cfg: Any) -> list[int]:
    """`data.patch_size`, checked against `model.spatial_dims`."""
    dims = spatial_dims(cfg.model)
    size = [int(s) for s in plain(cfg.data.patch_size)]
    if len(size) != dims:
        raise ConfigError(
            f"data.patch_size {size} has {len(size)} axes but model.spatial_dims is {dims}"
        )
    return size
