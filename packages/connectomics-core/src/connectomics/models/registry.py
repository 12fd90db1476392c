"""Model registry: builders filled by `register_model`, looked up by `model.architecture`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from connectomics.config.checks.registry_checks import register_patch_multiple
from connectomics.config.registries import MODELS
from connectomics.config.schema import Config
from connectomics.models.options import spatial_dims

ModelBuilder = Callable[[Any], nn.Module]
PatchMultiple = Callable[[Any], list[int]]

MODEL_REGISTRY = MODELS  # architecture name -> builder
# Patch multiple of each registered architecture, computed from cfg.model without building.
PATCH_MULTIPLE_REGISTRY: dict[str, PatchMultiple] = {}


def register_model(
    name: str, patch_multiple: PatchMultiple | None = None
) -> Callable[[ModelBuilder], ModelBuilder]:
    """Decorator registering `builder(cfg) -> nn.Module` as architecture `name`.

    `patch_multiple(model_cfg) -> list[int]` tells config validation the per-axis multiple
    the patch size must have; without it the model is built once to ask it.
    """

    def decorate(builder: ModelBuilder) -> ModelBuilder:
        MODELS.register(name, builder)
        if patch_multiple is not None:
            PATCH_MULTIPLE_REGISTRY[name] = patch_multiple
        else:
            PATCH_MULTIPLE_REGISTRY.pop(name, None)
        return builder

    return decorate


def list_models() -> list[str]:
    """Registered architecture names, sorted."""
    return MODELS.names()


def _lookup(name: str) -> ModelBuilder:
    return MODELS.lookup(name)


def build_model(cfg: Config) -> nn.Module:
    """The network named by `cfg.model.architecture`, configured from cfg.model and cfg.data."""
    return _lookup(str(cfg.model.architecture))(cfg)


def patch_multiple(cfg: Config) -> list[int]:
    """Per-axis multiple `data.patch_size` must have for `cfg.model`, without building."""
    name = str(cfg.model.architecture)
    builder = _lookup(name)
    if name in PATCH_MULTIPLE_REGISTRY:
        return list(PATCH_MULTIPLE_REGISTRY[name](cfg.model))
    model = builder(cfg)
    if hasattr(model, "get_model_info"):
        return list(model.get_model_info()["patch_multiple"])
    return [1] * spatial_dims(cfg.model)


# config validation asks this rule for the patch multiple (and so refuses unknown architectures)
register_patch_multiple(patch_multiple)
