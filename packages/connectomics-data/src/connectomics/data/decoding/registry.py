"""The decoder registry: names mapped to functions turning predictions into instance labels."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config, DecodingConfig
from connectomics.config.target_layout import TargetLayout

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
    _defaults_from_layout(fn, kwargs, cfg)

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


def _defaults_from_layout(
    fn: Decoder, kwargs: dict[str, Any], cfg: Config | DecodingConfig
) -> None:
    """Give a decoder the channels the targets config lays out, where it leaves them unset:
    an affinity decoder the affinity target's offsets and channels (long-range offsets are
    auxiliary channels), a binary decoder the foreground channel."""
    import inspect

    if not isinstance(cfg, Config):
        return  # a decoding section alone: no targets to read the layout from
    params = inspect.signature(fn).parameters
    layout = TargetLayout.from_config(cfg)
    affinity = layout.affinity()
    wants_affinity = {"offsets", "channels"} <= set(params)
    if wants_affinity and affinity is not None and not {"offsets", "channels"} & set(kwargs):
        kwargs["offsets"] = [list(o) for o in affinity.offsets or ()]
        kwargs["channels"] = affinity.indices()
    if "channel" in params and "channel" not in kwargs:
        kwargs["channel"] = layout.foreground_channel()
