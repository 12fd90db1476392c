"""Validated sliding-window inference options and their derivation from a config."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, get_args

from connectomics.config.errors import ConfigError as OptionError
from connectomics.config.precision import choose_precision
from connectomics.config.schema import Config
from connectomics.config.schema.data import Normalization
from connectomics.config.schema.inference import (
    Activation,
    Backend,
    Blending,
    OutputDtype,
    Padding,
)
from connectomics.config.target_layout import TargetLayout

# The choices of the config schema, also checked here for keyword options given directly.
BLENDING_MODES = get_args(Blending)
PADDING_MODES = get_args(Padding)
ACTIVATIONS = get_args(Activation)
OUTPUT_DTYPES = get_args(OutputDtype)
NORMALIZATIONS = get_args(Normalization)
BACKENDS = get_args(Backend)


@dataclass(frozen=True)
class InferenceOptions:
    """Everything that decides the values of a sliding-window prediction (plus device/AMP)."""

    window_size: tuple[int, ...]
    overlap: tuple[float, ...]
    blending: str = "gaussian"
    sigma_scale: float = 0.125
    batch_size: int = 4
    padding_mode: str = "reflect"
    # Extra context (voxels per side) read beyond the volume border with padding_mode.
    border_padding: tuple[int, ...] = ()
    tta_flip: bool = False
    tta_transpose: bool = False
    # Spatial axes flipped by tta_flip (all combinations of them); None flips every axis.
    tta_flip_axes: tuple[int, ...] | None = None
    # One entry per model output channel ("softmax" or "softmax:<group>" entries form groups of
    # consecutive channels), or a single name for all channels.
    activation: tuple[str, ...] = ("none",)
    output_channels: tuple[int, ...] | None = None
    output_dtype: str = "float32"
    normalize: str = "none"
    # Dataset statistics (mean, std, low, high) of the training volumes, as kept in the
    # checkpoint (data.normalize_stats); None computes them over the input itself.
    normalize_stats: tuple[tuple[str, float], ...] | None = None
    device: str | None = None
    amp: bool = False
    # How the network runs: "torch", "onnxruntime" or "auto" (see data.inference.fast_model).
    backend: str = "auto"

    @property
    def ndim(self) -> int:
        """Number of spatial axes of a window."""
        return len(self.window_size)

    def stats(self) -> dict[str, float] | None:
        """normalize_stats as a dict (None when not given)."""
        return None if self.normalize_stats is None else dict(self.normalize_stats)

    def value_fields(self) -> dict[str, Any]:
        """The options that change output values: all but device, batch size and backend."""
        values = asdict(self)
        for name in ("device", "batch_size", "backend"):
            values.pop(name)
        return values


def _per_axis(value: Any, ndim: int, name: str, cast: type) -> tuple:
    """Broadcast one value or check a per-axis sequence of length ndim."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        return (cast(value),) * ndim
    if len(value) != ndim:
        raise OptionError(
            f"inference.{name} has {len(value)} values but the window has {ndim} axes; "
            f"give one value or {ndim}"
        )
    return tuple(cast(v) for v in value)


def _choice(value: str, allowed: Sequence[str], name: str) -> str:
    value = str(value).lower()
    if value not in allowed:
        raise OptionError(f"inference.{name}={value!r} is not valid; use one of {list(allowed)}")
    return value


def _activation(value: Any) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else tuple(value)
    if not names:
        raise OptionError("inference.activation is empty; give one name or one per channel")
    for name in names:
        base = str(name).split(":", 1)[0].lower()
        if base == "auto":
            raise OptionError(
                "inference.activation='auto' needs the config's targets; build the options "
                "with options_from_config(cfg) or give activation names "
                f"({list(ACTIVATIONS)})"
            )
        if base not in ACTIVATIONS:
            raise OptionError(
                f"inference.activation {name!r} is not valid; use one of {list(ACTIVATIONS)} "
                "(softmax channels may carry a group tag, e.g. 'softmax:0')"
            )
    return tuple(str(n).lower() for n in names)


def resolve_options(**options: Any) -> InferenceOptions:
    """Check keyword options of predict_volume/predict_to_store and fill defaults."""
    known = {f.name for f in fields(InferenceOptions)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise OptionError(f"unknown inference option(s) {unknown}; valid options: {sorted(known)}")
    window = options.get("window_size")
    if window is None:
        raise OptionError(
            "inference window_size is missing; give window_size=(z, y, x) or (y, x), or set "
            "inference.window_size / data.patch_size in the config"
        )
    window = tuple(int(w) for w in window)
    if len(window) not in (2, 3) or min(window) < 1:
        raise OptionError(f"inference.window_size={list(window)} must be 2 or 3 positive sizes")
    ndim = len(window)
    overlap = _per_axis(options.get("overlap", 0.5), ndim, "overlap", float)
    if any(not 0.0 <= o < 1.0 for o in overlap):
        raise OptionError(f"inference.overlap={list(overlap)} must lie in [0, 1)")
    border = _per_axis(options.get("border_padding", 0), ndim, "border_padding", int)
    if min(border) < 0:
        raise OptionError(f"inference.border_padding={list(border)} must be >= 0")
    batch_size = int(options.get("batch_size", 4))
    if batch_size < 1:
        raise OptionError(f"inference.batch_size={batch_size} must be >= 1")
    sigma = float(options.get("sigma_scale", 0.125))
    if sigma <= 0:
        raise OptionError(f"inference.sigma_scale={sigma} must be > 0")
    channels = options.get("output_channels")
    if channels is not None:
        channels = tuple(int(c) for c in channels)
        if not channels or min(channels) < 0:
            raise OptionError(
                f"inference.output_channels={list(channels)} must be non-negative channel "
                "indices (null keeps all)"
            )
    flip_axes = options.get("tta_flip_axes")
    if flip_axes is not None:
        flip_axes = tuple(sorted({int(a) for a in flip_axes}))
        if any(not 0 <= a < ndim for a in flip_axes):
            raise OptionError(
                f"inference.tta_flip_axes={list(flip_axes)} must be spatial axes in "
                f"[0, {ndim}) (0 is z for a 3D window), e.g. [1, 2] for y and x"
            )
    stats = options.get("normalize_stats")
    if stats is not None:
        if isinstance(stats, Mapping):
            stats = tuple(sorted((str(k), float(v)) for k, v in stats.items()))
        else:  # (mean, std)
            stats = (("mean", float(stats[0])), ("std", float(stats[1])))
    device = options.get("device")
    if device is not None:
        device = str(device)
        if device.split(":")[0] not in ("cpu", "cuda", "mps"):
            raise OptionError(f"inference device {device!r} is not valid; use 'cpu' or 'cuda'")
    return InferenceOptions(
        window_size=window,
        overlap=overlap,
        blending=_choice(options.get("blending", "gaussian"), BLENDING_MODES, "blending"),
        sigma_scale=sigma,
        batch_size=batch_size,
        padding_mode=_choice(options.get("padding_mode", "reflect"), PADDING_MODES, "padding_mode"),
        border_padding=border,
        tta_flip=bool(options.get("tta_flip", False)),
        tta_transpose=bool(options.get("tta_transpose", False)),
        tta_flip_axes=flip_axes,
        activation=_activation(options.get("activation", "none")),
        output_channels=channels,
        output_dtype=_choice(options.get("output_dtype", "float32"), OUTPUT_DTYPES, "output_dtype"),
        normalize=_choice(options.get("normalize", "none"), NORMALIZATIONS, "normalize"),
        normalize_stats=stats,
        device=device,
        amp=bool(options.get("amp", False)),
        backend=_choice(options.get("backend", "auto"), BACKENDS, "backend"),
    )


def _config_device(cfg: Config) -> str:
    accelerator = str(cfg.system.accelerator).lower()
    if accelerator in ("gpu", "cuda"):
        return "cuda"
    if accelerator == "auto" and cfg.system.num_gpus > 0:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return "cpu"


def options_from_config(cfg: Config) -> dict[str, Any]:
    """Keyword options for predict_volume/predict_to_store from cfg.inference (and data/system).

    chunk_size and output_path are not included: they are predict_to_store's own arguments.
    """
    inf = cfg.inference
    window = inf.window_size if inf.window_size is not None else cfg.data.patch_size
    activation = (
        TargetLayout.from_config(cfg).activations if inf.activation == "auto" else inf.activation
    )
    device = _config_device(cfg)
    precision = choose_precision(cfg.training.precision, device, "prediction")
    return {
        "window_size": list(window),
        "overlap": cfg.overlap_per_axis(),
        "blending": inf.blending,
        "sigma_scale": inf.sigma_scale,
        "batch_size": inf.batch_size,
        "padding_mode": inf.padding_mode,
        "border_padding": cfg.border_padding_per_axis(),
        "tta_flip": inf.tta_flip,
        "tta_transpose": inf.tta_transpose,
        "tta_flip_axes": None if inf.tta_flip_axes is None else list(inf.tta_flip_axes),
        "activation": activation,
        "output_channels": None if inf.output_channels is None else list(inf.output_channels),
        "output_dtype": inf.output_dtype,
        "normalize": cfg.data.normalize,
        "normalize_stats": cfg.data.normalize_stats,
        "device": device,
        "amp": precision.autocast,
        "backend": inf.backend,
    }
