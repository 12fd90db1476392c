"""Writing a config out: YAML text, a file next to a run, and a stable content hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from omegaconf import DictConfig, OmegaConf


def to_yaml(cfg: DictConfig) -> str:
    """The resolved config as YAML text (loads back into the same config)."""
    return OmegaConf.to_yaml(cfg, resolve=True)


def save_config(cfg: DictConfig, path: str | Path) -> Path:
    """Write the resolved config to `path` (parent folders created); returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(to_yaml(cfg), encoding="utf-8")
    return target


def config_hash(cfg: DictConfig) -> str:
    """16 hex digits of SHA-256 over the resolved config with sorted keys (order-independent)."""
    data = OmegaConf.to_container(cfg, resolve=True)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
