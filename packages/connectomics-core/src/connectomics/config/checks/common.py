"""Small helpers shared by the checks: the error with a fix, choices and ranges."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connectomics.config.errors import ConfigError
from connectomics.config.suggest import did_you_mean


def fail(key: str, problem: str, fix: str) -> ConfigError:
    """ConfigError reading `key: problem; fix`."""
    return ConfigError(f"{key}: {problem}; {fix}")


def check_choice(key: str, value: Any, choices: Iterable[str]) -> None:
    """Raise when `value` is not one of `choices`, suggesting the closest."""
    options = list(choices)
    if value in options:
        return
    hint = did_you_mean(str(value), options)
    raise fail(key, f"unknown value {value!r}", f"{hint}choose one of {', '.join(options)}")


def check_range(key: str, value: Any, low: float | None = None, high: float | None = None) -> None:
    """Raise when a number lies outside [low, high] (either bound may be open-ended)."""
    if value is None:
        return
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (
            f"at least {low}"
            if high is None
            else f"at most {high}"
            if low is None
            else f"between {low} and {high}"
        )
        raise fail(key, f"{value} is out of range", f"set it to {bounds}")
