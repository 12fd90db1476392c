"""`InferenceOptions`: the sliding-window options, built once from the typed inference section.

Every default and range is the config schema's (`connectomics.config.schema.inference`); this
module only broadcasts per-axis values, resolves `activation: auto` from the targets, and adds
what the section does not hold (normalization, device, AMP).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, get_args

from pydantic import ValidationError

from connectomics.config.errors import ConfigError as OptionError
from connectomics.config.precision import choose_precision
from connectomics.config.schema import Config
from connectomics.config.schema.data import ClaheConfig, Normalization
from connectomics.config.schema.explain import explain
from connectomics.config.schema.geometry import per_axis
from connectomics.config.schema.inference import InferenceConfig
from connectomics.config.target_layout import TargetLayout
from connectomics.config.target_specs import ACTIVATIONS

NORMALIZATIONS = get_args(Normalization)
# Keys of the inference section that are predict_to_store's own arguments, not options.
STORE_KEYS = ("chunk_size", "output_path", "output_format")


@dataclass(frozen=True)
class InferenceOptions:
    """Everything that decides the values of a sliding-window prediction (plus device/AMP).

    Build it with `from_config(cfg)` or `from_keywords(...)`; it has no defaults of its own.
    """

    window_size: tuple[int, ...]
    overlap: tuple[float, ...]
    blending: str
    sigma_scale: float
    batch_size: int
    padding_mode: str
    # Extra context (voxels per side) read beyond the volume border with padding_mode.
    border_padding: tuple[int, ...]
    tta_flip: bool
    tta_transpose: bool
    # Spatial axes flipped by tta_flip (all combinations of them); None flips every axis.
    tta_flip_axes: tuple[int, ...] | None
    # One entry per model output channel ("softmax" or "softmax:<group>" entries form groups of
    # consecutive channels), or a single name for all channels.
    activation: tuple[str, ...]
    output_channels: tuple[int, ...] | None
    output_dtype: str
    normalize: str
    # CLAHE (kernel size, clip limit) of data.clahe, used when normalize is "clahe".
    clahe: tuple[int, float]
    # Dataset statistics (mean, std, low, high) of the training volumes, as kept in the
    # checkpoint (data.normalize_stats); None computes them over the input itself.
    normalize_stats: tuple[tuple[str, float], ...] | None
    device: str | None
    amp: bool
    # How the network runs: "torch", "onednn", "onnxruntime" or "auto" (data.inference.fast_model).
    backend: str

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

    @classmethod
    def from_config(cls, cfg: Config, normalize_stats: Any = None) -> InferenceOptions:
        """The options of cfg.inference (window from data.patch_size when unset, activations
        from the targets when `auto`), cfg.data's normalization, system device, training AMP.
        `normalize_stats` (the training statistics of a module) replace data.normalize_stats."""
        inf = cfg.inference
        activation = (
            TargetLayout.from_config(cfg).activations
            if inf.activation == "auto"
            else inf.activation
        )
        device = _config_device(cfg)
        precision = choose_precision(cfg.training.precision, device, "prediction")
        return _build(
            inf,
            inf.window_size if inf.window_size is not None else cfg.data.patch_size,
            activation,
            cfg.data.normalize,
            normalize_stats if normalize_stats is not None else cfg.data.normalize_stats,
            device,
            precision.autocast,
            cfg.data.clahe,
        )

    @classmethod
    def from_keywords(
        cls,
        *,
        activation: str | Sequence[str] = "none",
        normalize: str = "none",
        normalize_stats: Any = None,
        device: str | None = None,
        amp: bool = False,
        clahe: ClaheConfig | None = None,
        **section: Any,
    ) -> InferenceOptions:
        """The keyword form of predict_volume/predict_to_store: any key of the inference
        section (its defaults and ranges) plus the five a config takes from elsewhere. Without
        a config there are no targets or training statistics, so activation and normalize
        leave the logits and the input as they are unless given."""
        allowed = [k for k in InferenceConfig.model_fields if k not in STORE_KEYS]
        unknown = sorted(set(section) - set(allowed))
        if unknown:
            extra = ["activation", "normalize", "normalize_stats", "device", "amp", "clahe"]
            raise OptionError(
                f"unknown inference option(s) {unknown}; valid options: {sorted(allowed + extra)}"
            )
        if section.get("window_size") is None:
            raise OptionError(
                "inference window_size is missing; give window_size=(z, y, x) or (y, x), or set "
                "inference.window_size / data.patch_size in the config"
            )
        section = {k: list(v) if isinstance(v, tuple) else v for k, v in section.items()}
        try:
            inf = InferenceConfig(**section)
        except ValidationError as exc:
            raise explain(exc, root=InferenceConfig) from None
        if normalize not in NORMALIZATIONS:
            raise OptionError(
                f"normalize={normalize!r} is not valid; use one of {list(NORMALIZATIONS)}"
            )
        clahe = clahe if clahe is not None else ClaheConfig()
        return _build(
            inf, inf.window_size, activation, normalize, normalize_stats, device, amp, clahe
        )


def _build(
    inf: InferenceConfig,
    window: Sequence[int],
    activation: str | Sequence[str],
    normalize: str,
    stats: Any,
    device: str | None,
    amp: bool,
    clahe: ClaheConfig,
) -> InferenceOptions:
    """The options of a checked section, per axis of `window`."""
    window = tuple(int(w) for w in window)
    if len(window) not in (2, 3):
        raise OptionError(f"inference.window_size={list(window)} must be 2 or 3 positive sizes")
    ndim = len(window)
    flip_axes = None
    if inf.tta_flip_axes is not None:
        flip_axes = tuple(sorted(set(inf.tta_flip_axes)))
        if max(flip_axes, default=0) >= ndim:
            raise OptionError(
                f"inference.tta_flip_axes={list(flip_axes)} must be spatial axes in "
                f"[0, {ndim}) (0 is z for a 3D window), e.g. [1, 2] for y and x"
            )
    if inf.output_channels is not None and not inf.output_channels:
        raise OptionError("inference.output_channels=[] keeps nothing; give indices or null")
    if device is not None and str(device).split(":")[0] not in ("cpu", "cuda", "mps"):
        raise OptionError(f"inference device {device!r} is not valid; use 'cpu' or 'cuda'")
    return InferenceOptions(
        window_size=window,
        overlap=tuple(per_axis("inference.overlap", inf.overlap, ndim)),
        blending=inf.blending,
        sigma_scale=inf.sigma_scale,
        batch_size=inf.batch_size,
        padding_mode=inf.padding_mode,
        border_padding=tuple(per_axis("inference.border_padding", inf.border_padding, ndim)),
        tta_flip=inf.tta_flip,
        tta_transpose=inf.tta_transpose,
        tta_flip_axes=flip_axes,
        activation=_activation(activation),
        output_channels=None if inf.output_channels is None else tuple(inf.output_channels),
        output_dtype=inf.output_dtype,
        normalize=normalize,
        clahe=(int(clahe.kernel_size), float(clahe.clip_limit)),
        normalize_stats=_stats(stats),
        device=None if device is None else str(device),
        amp=bool(amp),
        backend=inf.backend,
    )


def _stats(stats: Any) -> tuple[tuple[str, float], ...] | None:
    """Dataset statistics as sorted (name, value) pairs: a mapping or (mean, std)."""
    if stats is None:
        return None
    if hasattr(stats, "model_dump"):
        stats = {k: v for k, v in stats.model_dump().items() if v is not None}
    if isinstance(stats, Mapping):
        return tuple(sorted((str(k), float(v)) for k, v in stats.items()))
    return (("mean", float(stats[0])), ("std", float(stats[1])))


def _activation(value: str | Sequence[str]) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else tuple(value)
    if not names:
        raise OptionError("inference.activation is empty; give one name or one per channel")
    for name in names:
        base = str(name).split(":", 1)[0].lower()
        if base == "auto":
            raise OptionError(
                "inference.activation='auto' needs the config's targets; build the options "
                "with InferenceOptions.from_config(cfg) or give activation names "
                f"({list(ACTIVATIONS)})"
            )
        if base not in ACTIVATIONS:
            raise OptionError(
                f"inference.activation {name!r} is not valid; use one of {list(ACTIVATIONS)} "
                "(softmax channels may carry a group tag, e.g. 'softmax:0')"
            )
    return tuple(str(n).lower() for n in names)


def resolve_options(options: InferenceOptions | None = None, **keywords: Any) -> InferenceOptions:
    """`options`, or the options of the keyword form (not both)."""
    if options is None:
        return InferenceOptions.from_keywords(**keywords)
    if keywords:
        raise OptionError(
            f"give options= or keyword options, not both (got {sorted(keywords)}); use "
            "dataclasses.replace(options, ...) to change some"
        )
    if not isinstance(options, InferenceOptions):
        raise OptionError(f"options= must be an InferenceOptions, not {type(options).__name__}")
    return options


def _config_device(cfg: Config) -> str:
    accelerator = str(cfg.system.accelerator).lower()
    if accelerator in ("gpu", "cuda"):
        return "cuda"
    if accelerator == "auto" and cfg.system.num_gpus > 0:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return "cpu"
