"""Helpers shared by the commands: config loading with overrides, model restoring."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports the config (and torch) lazily, for a fast --help
    from connectomics.config import Config


def add_config_arguments(parser: argparse.ArgumentParser, required: bool = True) -> None:
    """--config and trailing key=value overrides."""
    parser.add_argument("--config", required=required, help="YAML path or packaged tutorial name")
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="key=value",
        help="dot-list overrides, e.g. training.max_epochs=5",
    )


def load_checked_config(*args: Any, **kwargs: Any) -> Config:
    """`connectomics.config.load_config` once the model and loss layers registered their checks.

    Imported here rather than at the top: the model and loss packages pull in torch, which
    `--help` and argument errors never need.
    """
    from connectomics.config import load_config

    return load_config(*args, **kwargs)


def load_cli_config(args: argparse.Namespace, checkpoint: str | None = None) -> Config:
    """Load args.config with args.overrides (ConfigError on any mistake); without --config the
    config embedded in `checkpoint` (a .ckpt or a bioimage.io .zip) is used, with the same
    overrides."""
    from connectomics.config.errors import ConfigError

    bad = [o for o in args.overrides if "=" not in o]
    if bad:
        raise ConfigError(f"override {bad[0]!r} is not key=value (e.g. training.max_epochs=5)")
    if getattr(args, "config", None) is None:
        if checkpoint is None:
            raise ConfigError("--config is required (a YAML path or tutorial name, e.g. lucchi)")
        from connectomics.config import create_config

        existing_file(checkpoint, "checkpoint")
        source = f"the config in {checkpoint}"
        config = create_config(_embedded_config(checkpoint), list(args.overrides), source=source)
        apply_num_threads(config)
        return config
    config = load_checked_config(args.config, overrides=list(args.overrides))
    apply_num_threads(config)
    return config


def _embedded_config(checkpoint: str) -> dict[str, Any]:
    """The config mapping a checkpoint or an exported bioimage.io package (.zip) carries."""
    if str(checkpoint).endswith(".zip"):
        from connectomics.lightning.export.importing import package_config

        return package_config(checkpoint)
    from connectomics.config.yaml_text import parse_yaml_mapping
    from connectomics.lightning.config_io import read_checkpoint_config

    text = read_checkpoint_config(checkpoint)
    return parse_yaml_mapping(text, f"the config in {checkpoint}")


def apply_num_threads(cfg: Config) -> None:
    """Honour system.num_threads (torch intra-op threads); unset, use the cores that are free."""
    from connectomics.cli.threads import default_threads

    threads = cfg.system.num_threads or default_threads()
    if threads:
        import torch

        torch.set_num_threads(int(threads))


def progress(total: int, description: str, unit: str = "chunk") -> Any:
    """A tqdm bar on stderr, silent when stderr is not a terminal."""
    import sys

    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=description,
        unit=unit,
        unit_scale=unit == "B",
        disable=not sys.stderr.isatty(),
    )


def existing_file(path: str, what: str) -> Path:
    """The path as a Path, or FileNotFoundError naming what was expected there."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{what} not found: {p} (resolved against {Path.cwd()})")
    return p


def load_module(checkpoint: str, cfg: Config | None = None) -> Any:
    """A ConnectomicsModule restored from a checkpoint (its own config unless cfg is given)."""
    from connectomics.lightning import ConnectomicsModule

    existing_file(checkpoint, "checkpoint")
    if str(checkpoint).endswith(".zip"):  # a bioimage.io package exported by connectomics
        from connectomics.lightning.export import from_bioimageio

        return from_bioimageio(checkpoint, cfg)
    if cfg is None:
        return ConnectomicsModule.load_from_checkpoint(checkpoint)
    return ConnectomicsModule.load_from_checkpoint(checkpoint, cfg=cfg)
