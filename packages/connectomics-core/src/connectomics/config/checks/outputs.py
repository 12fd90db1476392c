"""Targets and output channels: the network predicts exactly the channels the targets make."""

from __future__ import annotations

from typing import Any

from connectomics.config.checks.common import fail
from connectomics.config.target_layout import TargetLayout


def output_activations(cfg: Any) -> list[str]:
    """Activation of each output channel at inference, from data.targets in list order."""
    return TargetLayout.from_config(cfg).activation_names()


def check_outputs(cfg: Any) -> None:
    """Target names are known and model.out_channels equals the channels they produce."""
    if not list(cfg.data.targets or []):
        raise fail(
            "data.targets", "no target given", "give at least one target, e.g. [{name: binary}]"
        )
    layout = TargetLayout.from_config(cfg)
    total = layout.num_channels
    if cfg.model.out_channels != total:
        raise fail(
            "model.out_channels",
            f"{cfg.model.out_channels}, but data.targets produce {total} channel(s) "
            f"({layout.describe()})",
            f"set model.out_channels: {total}",
        )
    if cfg.model.in_channels < 1:
        raise fail(
            "model.in_channels", f"{cfg.model.in_channels} is invalid", "use 1 for grey-scale EM"
        )
