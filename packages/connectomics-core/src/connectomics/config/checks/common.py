"""Small helpers shared by the checks: the error with a fix, name suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from connectomics.config.errors import ConfigError


def fail(key: str, problem: str, fix: str) -> ConfigError:
    """ConfigError reading `key: problem; fix`."""
    return ConfigError(f"{key}: {problem}; {fix}")


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The choice closest to `name` (case-insensitive difflib), or None."""
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    text = str(name).lower()
    if len(text) >= 3:  # a prefix or part of one choice ("Cosine") beats edit distance
        partial = [c for low, c in lowered.items() if low.startswith(text) or text in low]
        if len(partial) == 1:
            return partial[0]
    match = difflib.get_close_matches(text, list(lowered), n=1, cutoff=0.5)
    return lowered[match[0]] if match else None


def check_choice(key: str, value: Any, choices: Iterable[str]) -> None:
    """Raise when `value` is not one of `choices`, suggesting the closest."""
    options = list(choices)
    if value in options:
        return
    guess = closest(str(value), options)
    hint = f"did you mean {guess}? " if guess else ""
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
