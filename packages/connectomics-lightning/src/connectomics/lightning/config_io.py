"""The config as it travels with a module: validated on the way in, plain YAML in checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

# imported for their side effect: they register their config checks (model and loss names,
# patch multiples) with connectomics.config before any config is validated here
import connectomics.losses  # noqa: F401
import connectomics.models  # noqa: F401
from connectomics.config import load_config, validate_config
from connectomics.config.load import base_config
from connectomics.config.schema import Config
from connectomics.lightning.errors import CheckpointError


def ensure_config(cfg: Any) -> DictConfig:
    """A typed, validated config from a DictConfig, a plain dict or a YAML path/tutorial name."""
    if isinstance(cfg, str | Path):
        return load_config(str(cfg))
    if isinstance(cfg, DictConfig) and OmegaConf.get_type(cfg) is Config:
        return cfg
    typed = OmegaConf.merge(base_config(), cfg)
    validate_config(typed)
    return typed


def config_to_checkpoint(cfg: DictConfig) -> str:
    """Resolved YAML text of the config (no pickled objects in the checkpoint)."""
    return OmegaConf.to_yaml(cfg, resolve=True)


def config_from_checkpoint(text: Any, path: Path) -> DictConfig:
    """The config embedded in a checkpoint, or CheckpointError when it has none."""
    if not isinstance(text, str):
        raise CheckpointError(
            f"{path} carries no connectomics config; pass cfg= to load_from_checkpoint"
        )
    return ensure_config(OmegaConf.create(text))


def read_checkpoint_config(path: str | Path) -> str:
    """The YAML text of the config embedded in a checkpoint file (CheckpointError if none)."""
    import torch

    try:
        checkpoint = torch.load(Path(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt/untrusted files
        raise CheckpointError(
            f"cannot read checkpoint {path}: corrupt, truncated or holding untrusted pickled "
            f"objects ({type(exc).__name__})"
        ) from exc
    text = checkpoint.get("connectomics_config") if isinstance(checkpoint, dict) else None
    if not isinstance(text, str):
        raise CheckpointError(f"{path} carries no connectomics config; pass --config")
    return text
