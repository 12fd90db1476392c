"""The one "did you mean" helper: the closest known name to a mistyped one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, choices: Iterable[str], cutoff: float = 0.5) -> str | None:
    """The choice closest to `name` (case-insensitive difflib, similarity >= cutoff), or None."""
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    text = str(name).lower()
    if len(text) >= 3:  # a prefix or part of one choice ("Cosine") beats edit distance
        partial = [c for low, c in lowered.items() if low.startswith(text) or text in low]
        if len(partial) == 1:
            return partial[0]
    match = difflib.get_close_matches(text, list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`"did you mean X? "` for the closest choice to `name`, or "" when none is close."""
    guess = closest(name, choices)
    return f"did you mean {guess}? " if guess else ""
