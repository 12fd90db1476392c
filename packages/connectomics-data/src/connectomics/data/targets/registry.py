"""`TARGET_REGISTRY`: target name (as written in data.targets) -> label-to-target transform class."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from connectomics.config.registries import TARGET_TRANSFORMS
from connectomics.config.target_specs import TARGET_SPECS, TargetSpec, register_target_spec

T = TypeVar("T", bound=type)

TARGET_REGISTRY = TARGET_TRANSFORMS  # target name -> transform class


def register_target(name: str, spec: TargetSpec | None = None) -> Callable[[T], T]:
    """Class decorator: register a target transform under its config `name`.

    `spec` (channels, activations, continuity, offsets) makes the target known to config
    validation and the `TargetLayout` (the one place channel counts live);
    the built-in targets have theirs in core already.
    """

    def decorator(cls: T) -> T:
        if spec is not None:
            register_target_spec(name, spec)
        elif name not in TARGET_SPECS:
            raise ValueError(
                f"target {name!r} has no TargetSpec: pass register_target({name!r}, spec=...)"
            )
        TARGET_TRANSFORMS.register(name, cls)
        cls.name = name
        return cls

    return decorator


def list_targets() -> list[str]:
    """Names of all registered targets, sorted."""
    return TARGET_TRANSFORMS.names()
