"""The network as the sliding-window engine runs it: eager PyTorch, oneDNN layouts or ONNX Runtime.

rsunet at PyTC's size (2.73 M parameters, batches of 2 x 32 x 128 x 128, float32, 2 threads),
each candidate interleaved in one process:
- AMD EPYC (AVX-512, Zen 4), medians of 5, load 1.6 to 2.4: ONNX Runtime (the network exported
  to ONNX, BatchNorm folded into the convolutions) 0.69 of the eager forward (minima: 0.66);
  BatchNorm folded by torch.fx 0.81, torch.jit.freeze 0.85; optimize_for_inference and
  channels-last-3d no better in a noisier run.
- Intel Xeon (AVX-512, AMX; Sapphire Rapids class), CPU seconds, medians of 5, load 4.7:
  BatchNorm folded by torch.fx and run channels-last-3d (oneDNN's blocked layouts) 0.63 of the
  eager forward, channels-last alone 0.69, ONNX Runtime 0.86.
So "auto" picks "onednn" on an Intel CPU with AVX-512 and ONNX Runtime on other CPUs, both in
float32 only.
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


class OneDnnModel:
    """A torch network in eval mode with BatchNorm folded into the convolutions (torch.fx) and
    weights and activations channels-last-3d, so oneDNN runs its blocked convolutions without
    reordering each layer; returns its (first) output as a contiguous tensor."""

    def __init__(self, network: torch.nn.Module) -> None:
        self.network = fold_batchnorm(network).to("cpu", memory_format=_LAYOUT)

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        """The network's first output for `batch`, in the usual (contiguous) layout."""
        with torch.inference_mode():
            out = self.network(batch.contiguous(memory_format=_LAYOUT))
        if isinstance(out, (list, tuple)):
            out = out[0]
        return out.contiguous()


_LAYOUT = torch.channels_last_3d


def fold_batchnorm(network: torch.nn.Module) -> torch.nn.Module:
    """A copy of `network` in eval mode with each BatchNorm that follows a convolution folded
    into it (the network itself untouched); an unfolded eval copy where torch.fx cannot trace."""
    import copy

    from torch.fx.experimental.optimization import fuse

    frozen = copy.deepcopy(network).eval()
    try:
        return fuse(frozen, inplace=True)
    except Exception as exc:  # noqa: BLE001 - any tracing failure: run it unfolded
        log.info("BatchNorm not folded (%s: %s)", type(exc).__name__, exc)
        return frozen


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


def onednn_is_fastest() -> bool:
    """True on an Intel CPU with AVX-512, where oneDNN's channels-last convolutions measured
    fastest (module doc); ONNX Runtime elsewhere."""
    from connectomics.config.precision import cpu_vendor

    capability = torch.backends.cpu.get_cpu_capability()
    return cpu_vendor() == "GenuineIntel" and capability.startswith("AVX512")


def chosen_backend(model: Any, options: InferenceOptions, device: torch.device) -> str:
    """ "torch", "onednn" or "onnxruntime" for inference.backend (auto: for our networks on the
    CPU in float32, "onednn" where it measured fastest, else ONNX Runtime when installed);
    OptionError for a backend that cannot serve this model, device or precision."""
    backend = options.backend
    if backend == "torch":
        return "torch"
    fits = device.type == "cpu" and not options.amp and isinstance(model, torch.nn.Module)
    if backend in ("onnxruntime", "onednn") and not fits:
        raise OptionError(
            f"inference.backend={backend} runs a torch network on the CPU in float32 "
            f"(here: device {device.type}, precision {'16-bit' if options.amp else '32'}); "
            "use inference.backend=torch or auto"
        )
    if backend == "onednn":
        return "onednn"
    if backend == "onnxruntime":
        if not _onnxruntime_available():
            raise OptionError(
                "inference.backend=onnxruntime needs the onnxruntime package; pip install "
                "onnxruntime or use inference.backend=torch"
            )
        return "onnxruntime"
    if not (fits and _ours(model)):
        return "torch"
    if onednn_is_fastest() or not _onnxruntime_available():
        return "onednn"
    return "onnxruntime"


def fast_model(
    model: Any, options: InferenceOptions, device: torch.device, in_channels: int
) -> Any:
    """The model the engine calls: `model` itself, or its ONNX Runtime form (see module doc)."""
    backend = chosen_backend(model, options, device)
    if backend == "torch":
        return model
    if backend == "onednn":
        log.info("inference backend: onednn (BatchNorm folded, channels-last-3d)")
        return OneDnnModel(model)
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
