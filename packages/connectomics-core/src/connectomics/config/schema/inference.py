"""`inference`, `decoding` and `evaluation` sections."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from connectomics.config.schema.section import (
    NonNegativeFloat,
    NonNegativeInt,
    PositiveInt,
    Probability,
    Section,
)
from connectomics.config.target_specs import Activation

Blending = Literal["gaussian", "constant"]
Padding = Literal["reflect", "constant", "replicate"]
OutputDtype = Literal["float32", "float16", "uint8"]
Overlap = Annotated[float, Field(ge=0, lt=1)]
Backend = Literal["auto", "torch", "onednn", "onnxruntime"]


class InferenceConfig(Section):
    """Sliding-window prediction of whole volumes."""

    # Window (z, y, x); None uses data.patch_size.
    window_size: list[PositiveInt] | None = None
    # Fractional overlap of neighbouring windows: one value or one per axis.
    overlap: Overlap | list[Overlap] = 0.5
    # "gaussian" or "constant".
    blending: Blending = "gaussian"
    sigma_scale: float = Field(default=0.125, gt=0)
    batch_size: PositiveInt = 4
    # Padding of the volume border: "reflect", "constant", "replicate".
    padding_mode: Padding = "reflect"
    # Added by the inference engine: extra context (voxels per side, one value or per axis)
    # read beyond the volume border with padding_mode, so border voxels sit deeper in windows.
    border_padding: NonNegativeInt | list[NonNegativeInt] = 0
    # Test-time augmentation: average over flips (and y-x transposes) of each window. The
    # model runs 2**k times per window for k flipped axes (8x for all three axes of a 3D
    # window), twice that with tta_transpose; false runs it once.
    tta_flip: bool = False
    # Axes flipped by tta_flip (0 = z, 1 = y, 2 = x for 3D; every combination of them):
    # null flips all; e.g. [1, 2] flips only in-plane, at 4x the cost of no augmentation.
    tta_flip_axes: list[NonNegativeInt] | None = None
    # Also average over the y-x transpose (needs equal y and x window sizes): doubles the cost.
    tta_transpose: bool = False
    # Activation per output channel: "auto" takes it from the targets, else one name
    # ("sigmoid", "softmax", "tanh", "none") or one per channel.
    activation: Literal["auto"] | Activation | list[Activation] = "auto"
    # Output channels kept (None: all).
    output_channels: list[NonNegativeInt] | None = None
    # "float32", "float16" or "uint8" (probabilities scaled to 0..255).
    output_dtype: OutputDtype = "float32"
    # Out-of-core processing: chunk size (z, y, x) of the output; None processes whole volumes.
    chunk_size: list[PositiveInt] | None = None
    # None means {logging.save_dir}/predictions.
    output_path: str | None = None
    # "zarr" or "h5".
    output_format: Literal["zarr", "h5"] = "zarr"
    # How the network runs: "torch" (eager PyTorch), "onednn" (PyTorch with BatchNorm folded
    # into the convolutions, channels-last-3d for oneDNN; CPU and float32 only), "onnxruntime"
    # (the network exported to ONNX, BatchNorm folded, run by ONNX Runtime; CPU and float32
    # only), or "auto": for connectomics' own networks on the CPU in float32, "onednn" on an
    # Intel CPU with AVX-512 and ONNX Runtime on others (measured fastest on each), PyTorch
    # otherwise.
    backend: Backend = "auto"


class DecoderTuningConfig(Section):
    """Choosing the decoder's threshold on the validation volumes when training ends."""

    # Predict the validation volumes after `fit`, decode them with each of `candidates` for
    # `parameter`, keep the value with the lowest adapted Rand error and record it in
    # {logging.save_dir}/decoding_tuned.yaml; `connectomics test` and `decode` use it unless
    # decoding.kwargs sets that parameter.
    enabled: bool = False
    # None tunes the one the decoder's spec declares (e.g. threshold for binary_cc).
    parameter: str | None = None
    # Values tried, in order (None: the grid the decoder's spec declares).
    candidates: list[float] | None = None


class DecodingConfig(Section):
    """Turning predictions into instances."""

    # Decoder registry name (binary_cc, binary_contour_watershed, affinity_cc, affinity_waterz,
    # affinity_mws) or "none".
    name: str = "binary_cc"
    kwargs: dict[str, Any] = Field(default_factory=dict)
    tune: DecoderTuningConfig = Field(default_factory=DecoderTuningConfig)
    # Blocks (z, y, x) of blockwise decoding into a Zarr store, for binary_cc, affinity_cc
    # (exact) and affinity_waterz (fragments per block, agglomerated on a global region graph);
    # None decodes in memory unless the prediction is larger than memory_budget. `connectomics
    # test` with output_format zarr also decodes and scores its predictions blockwise with it.
    block_size: list[PositiveInt] | None = None
    # GiB: a prediction larger than this is decoded blockwise (in 128-voxel blocks when
    # block_size is None), and so is the evaluation of its segmentation.
    memory_budget: NonNegativeFloat = 8.0
    # Dask scheduler of blockwise decoding and evaluation: None uses local threads
    # (system.num_threads of them), an address such as "tcp://host:8786" a dask.distributed
    # cluster (e.g. started by dask-jobqueue on SLURM).
    scheduler: str | None = None


class EvaluationConfig(Section):
    """Scores computed against ground truth."""

    enabled: bool = True
    # Semantic: dice, iou, precision, recall, f1. Instance: adapted_rand, voi, cremi, ap.
    metrics: list[str] = Field(default_factory=lambda: ["dice", "iou"])
    # Foreground threshold applied to probabilities for semantic metrics.
    threshold: Probability = 0.5
    # Added by evaluation: ground-truth labels left out of adapted_rand, voi and cremi
    # (skimage's ignore_labels; [] counts every voxel).
    ignore_labels: list[int] = Field(default_factory=lambda: [0])
