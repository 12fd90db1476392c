"""Targets and output channels: the network predicts exactly the channels the targets make."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectomics.config.checks.common import fail
from connectomics.config.suggest import did_you_mean
from connectomics.config.target_channels import TARGET_SPECS, target_activations, target_channels

if TYPE_CHECKING:
    from connectomics.config.schema import Config


def output_activations(cfg: Config) -> list[str]:
    """Activation of each output channel at inference, from data.targets in list order."""
    names: list[str] = []
    for target in cfg.data.targets:
        names += target_activations(target.name, target.kwargs, cfg.model.spatial_dims)
    return names


def check_outputs(cfg: Config) -> None:
    """Target names are known and model.out_channels equals the channels they produce."""
    parts = []
    for i, target in enumerate(cfg.data.targets):
        if target.name not in TARGET_SPECS:
            raise fail(
                f"data.targets[{i}].name",
                f"unknown value {target.name!r}",
                f"{did_you_mean(target.name, TARGET_SPECS)}choose one of {', '.join(TARGET_SPECS)}",
            )
        parts.append(
            (target.name, target_channels(target.name, target.kwargs, cfg.model.spatial_dims))
        )
    total = sum(n for _, n in parts)
    if cfg.model.out_channels != total:
        detail = ", ".join(f"{name}: {n}" for name, n in parts)
        raise fail(
            "model.out_channels",
            f"{cfg.model.out_channels}, but data.targets produce {total} channel(s) ({detail})",
            f"set model.out_channels: {total}",
        )
