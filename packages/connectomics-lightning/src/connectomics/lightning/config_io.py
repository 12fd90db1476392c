"""The config as it travels with a module: validated on the way in, plain YAML in checkpoints."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from connectomics.config import Config, create_config, load_config, to_yaml
from connectomics.config.yaml_text import parse_yaml_mapping
from connectomics.lightning.errors import CheckpointError

# What a module, datamodule or trainer accepts as its config.
ConfigLike = Config | Mapping[str, Any] | str | Path


def ensure_config(cfg: ConfigLike) -> Config:
    """The typed Config of a Config (already validated), a mapping or a YAML path/tutorial."""
    if isinstance(cfg, Config):
        return cfg
    if isinstance(cfg, str | Path):
        return load_config(str(cfg))
    return create_config(cfg)


def config_to_checkpoint(cfg: Config) -> str:
    """YAML text of the config (no pickled objects in the checkpoint)."""
    return to_yaml(cfg)


def config_from_checkpoint(text: Any, path: Path) -> Config:
    """The config embedded in a checkpoint, or CheckpointError when it has none."""
    if not isinstance(text, str):
        raise CheckpointError(
            f"{path} carries no connectomics config; pass cfg= to load_from_checkpoint"
        )
    source = f"the config in {path}"
    return create_config(parse_yaml_mapping(text, source), source=source)


def read_checkpoint_config(path: str | Path) -> str:
    """The YAML text of the config embedded in a checkpoint file (CheckpointError if none)."""
    from connectomics.lightning.checkpoint_io import safe_torch_load  # imports torch

    checkpoint = safe_torch_load(Path(path))
    text = checkpoint.get("connectomics_config") if isinstance(checkpoint, dict) else None
    if not isinstance(text, str):
        raise CheckpointError(f"{path} carries no connectomics config; pass --config")
    return text
