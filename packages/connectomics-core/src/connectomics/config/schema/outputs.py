"""Targets and output channels: the network predicts exactly the channels the targets make."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectomics.config.checks.common import fail
from connectomics.config.target_layout import TargetLayout

if TYPE_CHECKING:
    from connectomics.config.schema import Config


def output_activations(cfg: Config) -> list[str]:
    """Activation of each output channel at inference, from data.targets in list order."""
    return TargetLayout.from_config(cfg).activation_names()


def check_outputs(cfg: Config) -> None:
    """Target names are registered and model.out_channels equals the channels they produce
    (set to it when omitted)."""
    layout = TargetLayout.from_config(cfg)
    total = layout.num_channels
    if cfg.model.out_channels is None:
        cfg.model.out_channels = total
    elif cfg.model.out_channels != total:
        raise fail(
            "model.out_channels",
            f"{cfg.model.out_channels}, but data.targets produce {total} channel(s) "
            f"({layout.describe()})",
            f"set model.out_channels: {total}",
        )
