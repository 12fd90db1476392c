"""The one "did you mean" helper: the closest known name or dotted key to a mistyped one."""

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


def _normalise(key: str) -> str:
    """Dotted key without list indices: data.targets.0.name -> data.targets.name."""
    return ".".join(p for p in key.replace("[", ".").replace("]", "").split(".") if not p.isdigit())


def suggest_key(key: str, valid_keys: tuple[str, ...]) -> str | None:
    """The dotted key of `valid_keys` closest to `key` (difflib), in the user's indexing, or None.

    A misspelt leaf is matched among its section's keys first; then a misspelt section
    (whole-key match at the same depth); then the same leaf name in another section.
    """
    plain = _normalise(key)
    parent, _, leaf = plain.rpartition(".")
    same_depth = [k for k in valid_keys if k.count(".") == plain.count(".")]
    siblings = {k.rpartition(".")[2]: k for k in same_depth if k.rpartition(".")[0] == parent}
    leaves = {k.rpartition(".")[2]: k for k in valid_keys}
    guess = closest(leaf, siblings, cutoff=0.6)
    best = siblings[guess] if guess else closest(plain, same_depth, cutoff=0.75)
    if best is None:
        guess = closest(leaf, leaves, cutoff=0.85)
        best = leaves[guess] if guess else None
    if best is None:
        return None
    user_parent = key.rpartition(".")[0]
    best_parent, _, best_leaf = best.rpartition(".")
    if user_parent and _normalise(user_parent) == best_parent:
        return f"{user_parent}.{best_leaf}"
    return best
