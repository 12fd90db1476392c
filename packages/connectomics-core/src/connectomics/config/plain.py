"""`plain(value)`: the one conversion of OmegaConf containers into Python lists and dicts."""

from __future__ import annotations

from typing import Any

from omegaconf import OmegaConf


def plain(value: Any) -> Any:
    """`value` with OmegaConf containers resolved into Python lists and dicts; others unchanged."""
    if OmegaConf.is_config(value):
        return OmegaConf.to_container(value, resolve=True)
    return value
