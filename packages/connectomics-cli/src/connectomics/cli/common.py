"""Helpers shared by the commands: config loading with overrides, model restoring."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_config_arguments(parser: argparse.ArgumentParser, required: bool = True) -> None:
    """--config and trailing key=value overrides."""
    parser.add_argument("--config", required=required, help="YAML path or packaged tutorial name")
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="key=value",
        help="dot-list overrides, e.g. training.max_epochs=5",
    )


def load_cli_config(args: argparse.Namespace) -> Any:
    """Load args.config with args.overrides (ConfigError on any mistake)."""
    from connectomics.config import load_config

    bad = [o for o in args.overrides if "=" not in o]
    if bad:
        from connectomics.config.errors import ConfigError

        raise ConfigError(f"override {bad[0]!r} is not key=value (e.g. training.max_epochs=5)")
    return load_config(args.config, overrides=list(args.overrides))


def existing_file(path: str, what: str) -> Path:
    """The path as a Path, or FileNotFoundError naming what was expected there."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{what} not found: {p} (resolved against {Path.cwd()})")
    return p


def load_module(checkpoint: str, cfg: Any | None = None) -> Any:
    """A ConnectomicsModule restored from a checkpoint (its own config unless cfg is given)."""
    from connectomics.lightning import ConnectomicsModule

    existing_file(checkpoint, "checkpoint")
    if str(checkpoint).endswith(".zip"):  # a bioimage.io package exported by connectomics
        from connectomics.lightning.export import from_bioimageio

        return from_bioimageio(checkpoint, cfg)
    if cfg is None:
        return ConnectomicsModule.load_from_checkpoint(checkpoint)
    return ConnectomicsModule.load_from_checkpoint(checkpoint, cfg=cfg)
