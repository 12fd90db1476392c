"""Loss registry: `register_loss` fills `LOSS_REGISTRY`; `build_loss_term` makes one term."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connectomics.config.checks.common import fail
from connectomics.config.checks.registry_checks import register_config_check
from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config
from connectomics.config.suggest import closest, did_you_mean
from connectomics.losses.terms import (
    LossTerm,
    PointwiseTerm,
    RegionTerm,
    WeightedTerm,
    region_activation,
)

KINDS = ("region", "pointwise", "weighted", "term")


@dataclass(frozen=True)
class LossSpec:
    """A registered loss: its factory and how it meets weights and masks (see terms.py).

    kind: "region" (activation and valid-masking by the plan), "pointwise" (per-voxel
    values averaged over valid voxels), "weighted" (forward takes `weight=`), or "term"
    (the factory returns a ready LossTerm). use_weight: pointwise losses that scale voxels
    by `weight`. continuous: regression losses, whose targets are resized by averaging.
    """

    name: str
    factory: Callable[..., Any]
    kind: str = "weighted"
    use_weight: bool = False
    continuous: bool = False


LOSS_REGISTRY: dict[str, LossSpec] = {}


def register_loss(
    name: str, kind: str = "weighted", use_weight: bool = False, continuous: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering a loss class or factory under `name` (for model.loss_functions).

    The default kind "weighted" calls `loss(logits, target, weight=weight * valid)`.
    """
    if kind not in KINDS:
        raise ValueError(f"loss kind must be one of {KINDS}, got {kind!r}")

    def decorate(factory: Callable[..., Any]) -> Callable[..., Any]:
        LOSS_REGISTRY[name] = LossSpec(name, factory, kind, use_weight, continuous)
        return factory

    return decorate


def list_losses() -> list[str]:
    """Registered loss names, sorted."""
    return sorted(LOSS_REGISTRY)


def loss_spec(name: str) -> LossSpec:
    """The registered spec of `name`, or a config error naming the closest match."""
    if name not in LOSS_REGISTRY:
        guess = closest(name, LOSS_REGISTRY)
        hint = f" Did you mean {guess!r}?" if guess else ""
        raise ConfigError(
            f"model.loss_functions entry {name!r} is not a registered loss.{hint} "
            f"Available: {', '.join(list_losses())}"
        )
    return LOSS_REGISTRY[name]


def _construct(spec: LossSpec, kwargs: dict[str, Any]) -> Any:
    try:
        return spec.factory(**kwargs)
    except TypeError as error:
        accepted = ", ".join(inspect.signature(spec.factory).parameters)
        raise ConfigError(
            f"model.loss_kwargs for {spec.name} are invalid ({error}); it accepts: {accepted}"
        ) from error


def build_loss_term(name: str, kwargs: dict[str, Any] | None = None) -> LossTerm:
    """The LossTerm of registered loss `name` with constructor `kwargs`."""
    spec = loss_spec(name)
    kwargs = dict(kwargs or {})
    if spec.kind == "region":
        if kwargs.pop("to_onehot_y", False):
            raise ConfigError(
                f"model.loss_kwargs to_onehot_y is not supported for {name}: targets are "
                f"already one channel per class (use the semantic target)"
            )
        try:
            activation = region_activation(kwargs)
        except ValueError as error:
            raise ConfigError(f"model.loss_kwargs for {name}: {error}") from error
        return RegionTerm(_construct(spec, kwargs), activation)
    if spec.kind == "pointwise":
        if "reduction" in kwargs:
            raise ConfigError(
                f"model.loss_kwargs reduction is set by the loss plan for {name}; remove it"
            )
        return PointwiseTerm(_construct(spec, {**kwargs, "reduction": "none"}), spec.use_weight)
    if spec.kind == "term":
        return _construct(spec, kwargs)
    return WeightedTerm(_construct(spec, kwargs))


@register_config_check
def check_loss_names(cfg: Config) -> None:
    """Every model.loss_functions entry names a registered loss (run by `validate_config`)."""
    available = list_losses()
    given = cfg.model.loss is not None
    for i, name in enumerate(entry.name for entry in cfg.model.losses()):
        if name not in available:
            hint = did_you_mean(name, available)
            raise fail(
                f"model.loss[{i}].name" if given else f"model.loss_functions[{i}]",
                f"unknown loss {name!r}",
                f"{hint}available: {', '.join(available)}",
            )
