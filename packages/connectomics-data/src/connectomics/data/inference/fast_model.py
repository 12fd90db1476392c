"""The network as the sliding-window engine runs it: eager PyTorch or ONNX Runtime.

Measured on rsunet at PyTC's size (2.73 M parameters, batches of 2 x 32 x 128 x 128, float32,
2 threads, AMD EPYC), interleaved in one process, medians of 5 (load 1.6 to 2.4): ONNX Runtime
(the network exported to ONNX, BatchNorm folded into the convolutions) took 0.69 of the eager
forward (minima: 0.66); BatchNorm folded by torch.fx 0.81, torch.jit.freeze 0.85;
optimize_for_inference and channels-last-3d were no better in a noisier run. So "auto" picks
ONNX Runtime on the CPU in float32.
"""

from __future__ import annotations

import io
import logging
import warnings
from typing import Any

import numpy as np
import torch

from connectomics.data.inference.options import InferenceOptions, OptionError

log = logging.getLogger(__name__)

INPUT_NAME = "raw"
OPSET = 17


class OnnxRuntimeModel:
    """A torch network exported to ONNX and run by ONNX Runtime on the CPU (float32).

    Called like the network on a (B, C, *window) tensor; returns its (first) output as a tensor.
    Batch and spatial sizes stay dynamic, so the last (smaller) batch of a grid runs as well.
    """

    def __init__(self, network: torch.nn.Module, example: torch.Tensor) -> None:
        import onnxruntime as ort

        self.session = ort.InferenceSession(
            export_onnx_bytes(network, example),
            _session_options(ort),
            providers=["CPUExecutionProvider"],
        )

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        """The network's first output for `batch`, float32, on the CPU."""
        array = np.ascontiguousarray(batch.detach().cpu().numpy(), dtype=np.float32)
        return torch.from_numpy(self.session.run(None, {INPUT_NAME: array})[0])


def _session_options(ort: Any) -> Any:
    """torch's thread count, no busy-waiting threads and no memory arena: the engine's own work
    between batches gets the cores, and the peak memory stays that of one batch."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = False
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options


def export_onnx_bytes(network: torch.nn.Module, example: torch.Tensor) -> bytes:
    """`network` in eval mode as an ONNX model (input "raw"; batch and spatial axes dynamic)."""
    axes = {0: "batch", **{2 + i: f"dim{i}" for i in range(example.dim() - 2)}}
    buffer = io.BytesIO()
    was_training = network.training
    network.eval()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
            torch.onnx.export(
                network,
                (example,),
                buffer,
                dynamo=False,  # the TorchScript-based exporter needs no onnxscript
                input_names=[INPUT_NAME],
                dynamic_axes={INPUT_NAME: axes},
                opset_version=OPSET,
            )
    finally:
        network.train(was_training)
    return buffer.getvalue()


def _ours(model: Any) -> bool:
    """True for a network built by connectomics.models (known to export to ONNX)."""
    from connectomics.models.wrapper import SegmentationNet

    return isinstance(model, SegmentationNet)


def _onnxruntime_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def chosen_backend(model: Any, options: InferenceOptions, device: torch.device) -> str:
    """ "torch" or "onnxruntime" for inference.backend (auto: ONNX Runtime for our networks on
    the CPU in float32 when it is installed); OptionError for an onnxruntime it cannot serve."""
    backend = options.backend
    if backend == "torch":
        return "torch"
    fits = device.type == "cpu" and not options.amp and isinstance(model, torch.nn.Module)
    if backend == "onnxruntime":
        if not fits:
            raise OptionError(
                "inference.backend=onnxruntime runs a torch network on the CPU in float32 "
                f"(here: device {device.type}, precision {'16-bit' if options.amp else '32'}); "
                "use inference.backend=torch or auto"
            )
        if not _onnxruntime_available():
            raise OptionError(
                "inference.backend=onnxruntime needs the onnxruntime package; pip install "
                "onnxruntime or use inference.backend=torch"
            )
        return "onnxruntime"
    return "onnxruntime" if fits and _ours(model) and _onnxruntime_available() else "torch"


def fast_model(
    model: Any, options: InferenceOptions, device: torch.device, in_channels: int
) -> Any:
    """The model the engine calls: `model` itself, or its ONNX Runtime form (see module doc)."""
    backend = chosen_backend(model, options, device)
    if backend == "torch":
        return model
    example = torch.zeros((1, int(in_channels), *options.window_size))
    try:
        fast = OnnxRuntimeModel(model, example)
    except Exception as exc:  # noqa: BLE001 - any exporter failure: say it, or run in torch
        if options.backend == "onnxruntime":
            raise OptionError(
                f"inference.backend=onnxruntime: the network does not export to ONNX "
                f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                "use inference.backend=torch"
            ) from exc
        log.warning("ONNX export failed (%s); predicting with PyTorch", exc)
        return model
    log.info("inference backend: onnxruntime (%d threads)", torch.get_num_threads())
    return fast
