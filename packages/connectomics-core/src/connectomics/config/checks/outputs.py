"""Targets and output channels: the network predicts exactly the channels the targets make."""

from __future__ import annotations

from typing import Any

from connectomics.config.checks.common import check_choice, fail
from connectomics.config.plain import plain
from connectomics.config.target_channels import TARGET_SPECS, target_activations, target_channels


def _kwargs(target: Any) -> dict[str, Any]:
    return plain(target.kwargs) if target.kwargs else {}


def output_activations(cfg: Any) -> list[str]:
    """Activation of each output channel at inference, from data.targets in list order."""
    names: list[str] = []
    for target in cfg.data.targets:
        names += target_activations(target.name, _kwargs(target), cfg.model.spatial_dims)
    return names


def check_outputs(cfg: Any) -> None:
    """Target names are known and model.out_channels equals the channels they produce."""
    targets = list(cfg.data.targets)
    if not targets:
        raise fail(
            "data.targets", "no target given", "give at least one target, e.g. [{name: binary}]"
        )
    parts = []
    for i, target in enumerate(targets):
        check_choice(f"data.targets[{i}].name", target.name, TARGET_SPECS)
        parts.append(
            (target.name, target_channels(target.name, _kwargs(target), cfg.model.spatial_dims))
        )
    total = sum(n for _, n in parts)
    if cfg.model.out_channels != total:
        detail = ", ".join(f"{name}: {n}" for name, n in parts)
        raise fail(
            "model.out_channels",
            f"{cfg.model.out_channels}, but data.targets produce {total} channel(s) ({detail})",
            f"set model.out_channels: {total}",
        )
    if cfg.model.in_channels < 1:
        raise fail(
            "model.in_channels", f"{cfg.model.in_channels} is invalid", "use 1 for grey-scale EM"
        )
