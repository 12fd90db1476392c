"""Setting one dotted key of a typed config in a test (validated on assignment)."""

from __future__ import annotations

from functools import reduce
from typing import Any

from connectomics.config import Config


def set_key(cfg: Config, key: str, value: Any) -> None:
    """`cfg.<key> = value` for a dotted key such as "training.max_epochs"."""
    *parents, leaf = key.split(".")
    setattr(reduce(getattr, parents, cfg), leaf, value)
