"""`TARGET_REGISTRY`: target name (as written in data.targets) -> label-to-target transform class."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T", bound=type)

TARGET_REGISTRY: dict[str, type] = {}


def register_target(name: str) -> Callable[[T], T]:
    """Class decorator: register a target transform under its config `name`."""

    def decorator(cls: T) -> T:
        TARGET_REGISTRY[name] = cls
        cls.name = name
        return cls

    return decorator


def list_targets() -> list[str]:
    """Names of all registered targets, sorted."""
    return sorted(TARGET_REGISTRY)
