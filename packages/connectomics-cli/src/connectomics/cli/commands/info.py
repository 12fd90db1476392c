"""`connectomics info`: versions, devices, registries and, with a config, the model's size."""

from __future__ import annotations

import argparse
import importlib.metadata as md
import os
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
    """Print package versions, CUDA devices and the registries (without importing torch)."""
    for dist in DISTRIBUTIONS + ["torch"]:
        try:
            print(f"{dist:24s} {md.version(dist)}", end="")
        except md.PackageNotFoundError:
            print(f"{dist:24s} not installed", end="")
        print(f" (CUDA devices: {cuda_devices()})" if dist == "torch" else "")
    from connectomics.config.registries import ALL
    from connectomics.config.registry_names import cached_listing

    for name, entries in cached_listing(ALL)[0].items():
        print(f"{name + ':':15s} {', '.join(entries)}")
    if args.config is not None:
        _print_model(load_cli_config(args))
    return 0


def cuda_devices() -> int:
    """CUDA devices torch would see: the driver's count (NVML) limited by CUDA_VISIBLE_DEVICES,
    0 for a CPU build of torch or without an NVIDIA driver (asked without importing torch)."""
    import ctypes

    try:
        if "+cpu" in md.version("torch"):
            return 0
        nvml = ctypes.CDLL("libnvidia-ml.so.1")
    except (md.PackageNotFoundError, OSError):
        return 0
    count = ctypes.c_uint(0)
    if nvml.nvmlInit_v2() != 0:
        return 0
    try:
        if nvml.nvmlDeviceGetCount_v2(ctypes.byref(count)) != 0:
            return 0
    finally:
        nvml.nvmlShutdown()
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is None:
        return count.value
    # as CUDA reads it: the listed devices up to the first invalid entry
    listed = 0
    for entry in visible.split(","):
        if not entry.strip() or entry.strip().startswith("-"):
            break
        listed += 1
    return min(listed, count.value)


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
