"""Every float in the config must be a finite number: NaN or inf only hide a mistake."""

from __future__ import annotations

import math
from typing import Any

from omegaconf import OmegaConf

from connectomics.config.checks.common import fail


def _walk(value: Any, key: str) -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            _walk(item, f"{key}.{name}" if key else str(name))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, f"{key}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise fail(key, f"{value} is not a finite number", "give a finite value, e.g. 1e-3")


def check_finite(cfg: Any) -> None:
    """Raise ConfigError naming the first key whose value is NaN or +-inf."""
    container = OmegaConf.to_container(cfg, resolve=False) if OmegaConf.is_config(cfg) else cfg
    _walk(container, "")
