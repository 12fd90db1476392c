"""The decoder registry: names mapped to functions turning predictions into instance labels."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config, DecodingConfig
from connectomics.config.target_channels import (
    DEFAULT_AFFINITY_OFFSETS_2D,
    DEFAULT_AFFINITY_OFFSETS_3D,
    target_channels,
)

Decoder = Callable[..., np.ndarray]

DECODER_REGISTRY: dict[str, Decoder] = {}


def register_decoder(name: str) -> Callable[[Decoder], Decoder]:
    """Decorator adding a decoder `fn(prediction, **kwargs) -> uint32 labels` under `name`."""

    def add(fn: Decoder) -> Decoder:
        if name in DECODER_REGISTRY and DECODER_REGISTRY[name] is not fn:
            raise ValueError(f"decoder {name!r} is already registered")
        DECODER_REGISTRY[name] = fn
        return fn

    return add


def _lookup(name: str) -> Decoder:
    """The registered decoder `name`, or a ConfigError listing the known names."""
    try:
        return DECODER_REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(DECODER_REGISTRY))
        raise ConfigError(
            f"unknown decoder {name!r} in decoding.name; choose one of: {known}"
        ) from None


def decode(name: str, prediction: Any, **kwargs: Any) -> np.ndarray:
    """Decode `prediction` (C, *spatial) with the decoder `name`; returns uint32 labels."""
    return _lookup(name)(prediction, **kwargs)


def build_decoder(cfg: Config | DecodingConfig) -> Callable[[Any], np.ndarray]:
    """A `prediction -> labels` callable from cfg.decoding.name and cfg.decoding.kwargs."""
    section = cfg.decoding if isinstance(cfg, Config) else cfg
    name = section.name
    if name in (None, "none"):
        raise ConfigError(
            "decoding.name is 'none': there is no decoder to build; set decoding.name to one of "
            f"{', '.join(sorted(DECODER_REGISTRY))}"
        )
    fn = _lookup(str(name))
    kwargs = dict(section.kwargs)
    _check_kwargs(str(name), fn, kwargs)
    _default_affinity_layout(fn, kwargs, cfg)

    def decoder(prediction: Any) -> np.ndarray:
        return fn(prediction, **kwargs)

    decoder.__name__ = f"decode_{name}"
    decoder.__doc__ = f"Decode a prediction with {name} and {kwargs}."
    return decoder


def _check_kwargs(name: str, fn: Decoder, kwargs: Mapping[str, Any]) -> None:
    """ConfigError naming any decoding.kwargs key the decoder does not take."""
    import inspect

    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    accepted = [p for p in list(params)[1:]]
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise ConfigError(
            f"decoding.kwargs {unknown} are not parameters of decoder {name!r}; "
            f"it accepts: {', '.join(accepted)}"
        )


def _default_affinity_layout(
    fn: Decoder, kwargs: dict[str, Any], cfg: Config | DecodingConfig
) -> None:
    """Give an affinity decoder the affinity target's offsets and channels when unset.

    With long-range offsets as auxiliary channels the decoder must know which channels hold
    which offsets; the targets config says it, so the user need not repeat it.
    """
    import inspect

    params = inspect.signature(fn).parameters
    if not {"offsets", "channels"} <= set(params) or "offsets" in kwargs or "channels" in kwargs:
        return
    if not isinstance(cfg, Config):
        return  # a decoding section alone: no targets to read the layout from
    dims = cfg.model.spatial_dims
    start = 0
    for target in cfg.data.targets:
        options = target.kwargs
        count = target_channels(target.name, options, dims)
        if target.name == "affinity":
            default = DEFAULT_AFFINITY_OFFSETS_3D if dims == 3 else DEFAULT_AFFINITY_OFFSETS_2D
            kwargs["offsets"] = [list(o) for o in options.get("offsets") or default]
            kwargs["channels"] = list(range(start, start + count))
            return
        start += count
