"""The decoder registry: names mapped to `DecoderSpec`s (see spec.py), and decoding by config."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from connectomics.config.errors import ConfigError
from connectomics.config.registries import DECODERS
from connectomics.config.schema import Config, DecodingConfig
from connectomics.config.target_layout import TargetLayout
from connectomics.data.decoding.spec import DEFAULT_GRID, DecoderSpec, Reads

Decoder = Callable[..., np.ndarray]

DECODER_REGISTRY = DECODERS  # decoder name -> DecoderSpec


def register_decoder(
    name: str,
    reads: Reads = None,
    tuned: str | None = None,
    grid: tuple[float, ...] = DEFAULT_GRID,
    blockwise: str | None = None,
    labeller: str | None = None,
) -> Callable[[Decoder], Decoder]:
    """Decorator adding a decoder `fn(prediction, **kwargs) -> uint32 labels` under `name`,
    with the spec fields of `DecoderSpec` (channels read, tuned parameter, blockwise form)."""

    def add(fn: Decoder) -> Decoder:
        known = DECODERS._entries.get(name)
        if known is not None and known.function is not fn:
            raise ValueError(f"decoder {name!r} is already registered")
        DECODERS.register(name, DecoderSpec(name, fn, reads, tuned, grid, blockwise, labeller))
        return fn

    return add


def decoder_spec(name: str) -> DecoderSpec:
    """The spec of decoder `name`, or a ConfigError at decoding.name with the closest name."""
    return DECODERS.lookup(str(name))


def decode(name: str, prediction: Any, **kwargs: Any) -> np.ndarray:
    """Decode `prediction` (C, *spatial) with the decoder `name`; returns uint32 labels."""
    spec = decoder_spec(name)
    return spec.function(prediction, **spec.resolve(kwargs))


def decoder_arguments(cfg: Config | DecodingConfig) -> tuple[DecoderSpec, dict[str, Any]]:
    """The configured decoder's spec and every argument, resolved once through the spec (the
    channels the targets lay out fill what decoding.kwargs leaves unset)."""
    section = cfg.decoding if isinstance(cfg, Config) else cfg
    if section.name in (None, "none"):
        raise ConfigError(
            "decoding.name is 'none': there is no decoder to build; set decoding.name to one of "
            f"{', '.join(DECODERS.names())}"
        )
    spec = decoder_spec(str(section.name))
    layout = TargetLayout.from_config(cfg) if isinstance(cfg, Config) else None
    return spec, spec.resolve(section.kwargs, layout)


def build_decoder(cfg: Config | DecodingConfig) -> Callable[[Any], np.ndarray]:
    """A `prediction -> labels` callable from cfg.decoding.name and cfg.decoding.kwargs."""
    spec, kwargs = decoder_arguments(cfg)

    def decoder(prediction: Any) -> np.ndarray:
        return spec.function(prediction, **kwargs)

    decoder.__name__ = f"decode_{spec.name}"
    decoder.__doc__ = f"Decode a prediction with {spec.name} and {kwargs}."
    return decoder
