"""TorchScript export: a traced network that runs without Python or connectomics."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch

from connectomics.lightning.export.source import load_export_source


def trace(network: torch.nn.Module, example: torch.Tensor) -> torch.jit.ScriptModule:
    """`torch.jit.trace` of an eval-mode network (its deprecation notice silenced)."""
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        return torch.jit.trace(network.eval(), example)


def save_torchscript(module: torch.jit.ScriptModule, output: Path) -> Path:
    """`torch.jit.save` (its deprecation notice silenced; the format is what tools load)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.jit.save(module, str(output))
    return output


def export_torchscript(model: Any, output: str | Path) -> Path:
    """Write the network of a checkpoint or module as TorchScript (logits, any tile size)."""
    source = load_export_source(model)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    traced = trace(source.network, source.example())
    return save_torchscript(traced, output)
