"""`ExportedNetwork`: the network of a config, rebuilt from plain keyword arguments.

A BioImage Model Zoo package's PyTorch state-dict weights name this class and its kwargs, so
any tool with connectomics installed can rebuild the architecture without a checkpoint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from connectomics.config.schema import Config
from connectomics.data.inference.activation import ActivationPlan
from connectomics.models import build_model


class ExportedNetwork(nn.Module):
    """The eval-mode network of `config` (logits), optionally followed by its activations."""

    def __init__(self, config: Mapping[str, Any], activation: Sequence[str] | None = None) -> None:
        super().__init__()
        from connectomics.lightning.config_io import ensure_config

        cfg = ensure_config(dict(config))
        self.network = build_model(cfg)
        self.activation = list(activation) if activation else None
        self.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (or activated outputs) of a (B, C, *spatial) float32 tensor."""
        y = self.network(x)
        if isinstance(y, list | tuple):
            y = y[0]
        if self.activation is not None:
            y = activate(y, self.activation)
        return y


def activate(logits: torch.Tensor, names: Sequence[str]) -> torch.Tensor:
    """Per-channel activations without in-place writes (which tracing and ONNX would lose)."""
    return ActivationPlan.build(names, logits.shape[1]).apply(logits)


def architecture_kwargs(cfg: Config) -> dict[str, Any]:
    """The config keys that define the network (model section, targets, patch size)."""
    model = cfg.model.model_dump(mode="json")
    model["init_from"] = None
    model["freeze_encoder_epochs"] = 0
    data = {
        "patch_size": list(cfg.data.patch_size),
        "targets": [t.model_dump(mode="json") for t in cfg.data.targets],
    }
    return {"model": model, "data": data}
