"""Sizes across sections: patch, windows, chunks and offsets agree with model.spatial_dims."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from connectomics.config.checks.common import fail
from connectomics.config.checks.registry_checks import registered_patch_multiple
from connectomics.config.errors import ConfigError
from connectomics.config.schema.model import sizes_error

if TYPE_CHECKING:
    from connectomics.config.schema import Config


def fallback_patch_multiple(cfg: Config) -> list[int]:
    """Product of model.strides per axis, or 2**(levels-1) per axis when strides is None."""
    dims = cfg.model.spatial_dims
    if cfg.model.strides is None:
        return [2 ** (len(cfg.model.filters) - 1)] * dims
    return [math.prod(s[axis] for s in cfg.model.strides) for axis in range(dims)]


def patch_multiple(cfg: Config) -> list[int]:
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


def _check_multiple(key: str, sizes: list[int], multiple: list[int], cfg: Config) -> None:
    if all(s % m == 0 for s, m in zip(sizes, multiple)):
        return
    rounded = [max(m, -(-s // m) * m) for s, m in zip(sizes, multiple)]
    raise fail(
        key,
        f"{sizes} is not a multiple of {multiple} per axis, the down-sampling of "
        f"model.architecture={cfg.model.architecture} with {len(cfg.model.filters)} levels",
        f"use e.g. {rounded}",
    )


def per_axis(key: str, value: float | list, dims: int) -> list:
    """One value broadcast to `dims` axes, or a list of `dims` values; else ConfigError."""
    if not isinstance(value, list):
        return [value] * dims
    if len(value) != dims:
        raise fail(
            key, f"{value} has {len(value)} values", f"give one value or {dims} (one per axis)"
        )
    return value


def _check_offset_fits(key: str, offset: list, patch: list[int]) -> None:
    """ConfigError when an offset spans a whole patch axis: no voxel pair of a crop would be
    that far apart, so its affinity channel is empty and trains with loss 0."""
    wide = [a for a, (o, p) in enumerate(zip(offset, patch)) if abs(int(o)) >= int(p)]
    if wide:
        axis = wide[0]
        raise fail(
            key,
            f"offset {offset} is {abs(int(offset[axis]))} voxels along axis {axis}, not less "
            f"than data.patch_size={list(patch)} ({patch[axis]} there): no voxel pair of a "
            "training crop is that far apart, so the channel would train with loss 0",
            f"use offsets shorter than the patch or a patch larger than {abs(int(offset[axis]))}",
        )


def check_geometry(cfg: Config) -> None:
    """Every size has model.spatial_dims axes; patch/window sizes the network can down-sample."""
    dims = cfg.model.spatial_dims
    inference = cfg.inference
    sizes = {
        "data.patch_size": cfg.data.patch_size,
        "inference.window_size": inference.window_size,
        "inference.chunk_size": inference.chunk_size,
    }
    for key, value in sizes.items():
        if value is not None and len(value) != dims:
            raise sizes_error(key, value, dims)
    multiple = patch_multiple(cfg)
    _check_multiple("data.patch_size", cfg.data.patch_size, multiple, cfg)
    if inference.window_size is not None:
        _check_multiple("inference.window_size", inference.window_size, multiple, cfg)
    for i, target in enumerate(cfg.data.targets):
        for offset in target.kwargs.get("offsets") or []:
            if not isinstance(offset, list) or len(offset) != dims:
                raise fail(
                    f"data.targets[{i}].kwargs.offsets",
                    f"offset {offset} does not have {dims} values for model.spatial_dims={dims}",
                    f"give each offset as {dims} integers",
                )
            _check_offset_fits(f"data.targets[{i}].kwargs.offsets", offset, cfg.data.patch_size)
