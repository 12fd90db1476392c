"""`connectomics info`: versions, devices, registries and, with a config, the model's size."""

from __future__ import annotations

import argparse
import importlib.metadata as md
from typing import TYPE_CHECKING

from connectomics.cli.common import add_config_arguments, load_cli_config

if TYPE_CHECKING:  # imported lazily at run time, for a fast --help
    from connectomics.config import Config


DISTRIBUTIONS = [
    "connectomics-core",
    "connectomics-data",
    "connectomics-lightning",
    "connectomics-cli",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics info`."""
    add_config_arguments(parser, required=False)


def run(args: argparse.Namespace) -> int:
    """Print package versions, torch devices and the registries."""
    for dist in DISTRIBUTIONS:
        try:
            print(f"{dist:24s} {md.version(dist)}")
        except md.PackageNotFoundError:
            print(f"{dist:24s} not installed")
    import torch

    cuda = torch.cuda.device_count() if torch.cuda.is_available() else 0
    print(f"{'torch':24s} {torch.__version__} (CUDA devices: {cuda})")
    from connectomics.config.registries import ALL
    from connectomics.config.registry import listing

    for name, entries in listing(ALL).items():
        print(f"{name + ':':15s} {', '.join(entries)}")
    if args.config is not None:
        _print_model(load_cli_config(args))
    return 0


def _print_model(cfg: Config) -> None:
    """The configured network's size: architecture, parameters, channels, patch multiple."""
    from connectomics.models import build_model

    info = build_model(cfg).get_model_info()
    print(f"{'model:':15s} {info['name']}")
    print(
        f"{'parameters:':15s} {info['parameters']:,} ({info['trainable_parameters']:,} trainable)"
    )
    print(f"{'channels:':15s} {cfg.model.in_channels} in, {cfg.model.out_channels} out")
    print(f"{'patch multiple:':15s} {info['patch_multiple']}")
