"""ONNX export with dynamic batch and spatial sizes, checked by onnx's own checker."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch

from connectomics.lightning.export.source import load_export_source

OPSET = 17
INPUT_NAME = "raw"
OUTPUT_NAME = "logits"


def require(module: str) -> Any:
    """Import an optional export dependency, or ImportError naming the extra to install."""
    import importlib  # onnx/onnxruntime are the optional [export] extra: imported by name on use

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{module} is not installed; install the export extra: "
            'pip install "connectomics-lightning[export]"'
        ) from exc


def write_onnx(network: torch.nn.Module, example: torch.Tensor, output: Path) -> Path:
    """Export `network` (eval mode) to `output`; batch and spatial axes stay dynamic."""
    onnx = require("onnx")
    spatial = {0: "batch", **{2 + i: f"dim{i}" for i in range(example.dim() - 2)}}
    output.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        torch.onnx.export(
            network.eval(),
            (example,),
            str(output),
            dynamo=False,  # the TorchScript-based exporter needs no onnxscript
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: spatial, OUTPUT_NAME: spatial},
            opset_version=OPSET,
        )
    onnx.checker.check_model(str(output))
    return output


def export_onnx(model: Any, output: str | Path) -> Path:
    """Write the network of a checkpoint or module as ONNX (input "raw", output "logits")."""
    source = load_export_source(model)
    return write_onnx(source.network, source.example(), Path(output))
