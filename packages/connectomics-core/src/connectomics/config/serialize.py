"""Writing a config out: YAML text, a file next to a run, and a stable content hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from connectomics.config.schema import Config


def to_yaml(cfg: Config) -> str:
    """The config as YAML text (loads back into the same config)."""
    return yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def save_config(cfg: Config, path: str | Path) -> Path:
    """Write the config to `path` (parent folders created); returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(to_yaml(cfg), encoding="utf-8")
    return target


def config_hash(cfg: Config) -> str:
    """16 hex digits of SHA-256 over the config with sorted keys (order-independent)."""
    text = json.dumps(cfg.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
