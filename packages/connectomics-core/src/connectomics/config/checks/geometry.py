"""Sizes and dimensionality: patch, strides, windows, chunks and offsets agree with the model."""

from __future__ import annotations

import math
from typing import Any

from connectomics.config.checks.common import fail
from connectomics.config.checks.registry_checks import registered_patch_multiple
from connectomics.config.errors import ConfigError
from connectomics.config.plain import plain


def _check_sizes(key: str, sizes: Any, dims: int, minimum: int = 1) -> list[int]:
    values = plain(sizes)
    if not isinstance(values, list) or len(values) != dims:
        axes = "(z, y, x)" if dims == 3 else "(y, x)"
        raise fail(
            key,
            f"{values} does not have {dims} sizes for model.spatial_dims={dims}",
            f"give {dims} values {axes}",
        )
    if any(not isinstance(v, int) or v < minimum for v in values):
        raise fail(key, f"{values} has a size below {minimum}", f"use integers >= {minimum}")
    return values


def _per_axis(key: str, value: Any, dims: int) -> None:
    values = plain(value)
    if isinstance(values, list) and len(values) != dims:
        raise fail(
            key, f"{values} has {len(values)} values", f"give one value or {dims} (one per axis)"
        )


def fallback_patch_multiple(cfg: Any) -> list[int]:
    """Product of model.strides per axis, or 2**(levels-1) per axis when strides is None."""
    dims = int(cfg.model.spatial_dims)
    strides = plain(cfg.model.strides)
    if strides is None:
        return [2 ** (len(cfg.model.filters) - 1)] * dims
    return [math.prod(s[axis] for s in strides) for axis in range(dims)]


def patch_multiple(cfg: Any) -> list[int]:
    """What every patch axis must be a multiple of: the model registry's answer, else strides."""
    registry_multiple = registered_patch_multiple()
    if registry_multiple is None:
        return fallback_patch_multiple(cfg)
    try:
        return [int(m) for m in registry_multiple(cfg)]
    except ConfigError:
        raise
    except (KeyError, ValueError, TypeError) as exc:
        raise fail("model", f"{exc}", "fix the model section") from None


def _round_up(sizes: list[int], multiple: list[int]) -> list[int]:
    return [max(m, -(-s // m) * m) for s, m in zip(sizes, multiple)]


def _check_multiple(key: str, sizes: list[int], multiple: list[int], cfg: Any) -> None:
    if all(s % m == 0 for s, m in zip(sizes, multiple)):
        return
    raise fail(
        key,
        f"{sizes} is not a multiple of {multiple} per axis, the down-sampling of "
        f"model.architecture={cfg.model.architecture} with {len(cfg.model.filters)} levels",
        f"use e.g. {_round_up(sizes, multiple)}",
    )


def check_geometry(cfg: Any) -> None:
    """2D/3D consistency of every size, and patch/window sizes the network can down-sample."""
    dims = cfg.model.spatial_dims
    if dims not in (2, 3):
        raise fail("model.spatial_dims", f"{dims} is not supported", "set it to 2 or 3")
    filters = plain(cfg.model.filters)
    if not filters or any(f < 1 for f in filters):
        raise fail(
            "model.filters", f"{filters} is invalid", "give positive widths, e.g. [16, 32, 64]"
        )
    strides = plain(cfg.model.strides)
    if strides is not None:
        if len(strides) != len(filters) - 1:
            raise fail(
                "model.strides",
                f"{len(strides)} stride(s) for {len(filters)} levels of model.filters",
                f"give {len(filters) - 1} (one per level transition) or null",
            )
        for i, stride in enumerate(strides):
            _check_sizes(f"model.strides[{i}]", stride, dims)
    patch = _check_sizes("data.patch_size", cfg.data.patch_size, dims)
    multiple = patch_multiple(cfg)
    _check_multiple("data.patch_size", patch, multiple, cfg)
    if cfg.inference.window_size is not None:
        window = _check_sizes("inference.window_size", cfg.inference.window_size, dims)
        _check_multiple("inference.window_size", window, multiple, cfg)
    if cfg.inference.chunk_size is not None:
        _check_sizes("inference.chunk_size", cfg.inference.chunk_size, dims)
    _per_axis("inference.overlap", cfg.inference.overlap, dims)
    _per_axis("inference.border_padding", cfg.inference.border_padding, dims)
    for i, target in enumerate(cfg.data.targets):
        offsets = plain(target.kwargs.get("offsets")) if target.kwargs else None
        for offset in offsets or []:
            if not isinstance(offset, list) or len(offset) != dims:
                raise fail(
                    f"data.targets[{i}].kwargs.offsets",
                    f"offset {offset} does not have {dims} values for model.spatial_dims={dims}",
                    f"give each offset as {dims} integers",
                )
