"""Every registry-backed name of a config, checked at load against its registry.

The registries fill themselves on first use (config/registries.py), so these checks hold
whatever the caller imported. A registry whose built-ins live in a distribution that is not
installed (connectomics-core alone has no decoders) is not checked: nothing could run them.
"""

from __future__ import annotations

from typing import Any

from connectomics.config.checks.common import fail
from connectomics.config.registries import AUGMENTATIONS, DECODERS, LOSSES, METRICS, MODELS
from connectomics.config.target_layout import TargetLayout


def check_names(cfg: Any) -> None:
    """Model, losses, decoder (and its kwargs and tuned parameter) and metrics are registered;
    raises ConfigError at the key with the closest name."""
    if MODELS.available:
        MODELS.lookup(str(cfg.model.architecture))
    if LOSSES.available:
        given = cfg.model.loss is not None
        for i, entry in enumerate(cfg.model.losses()):
            LOSSES.lookup(
                entry.name, f"model.loss[{i}].name" if given else f"model.loss_functions[{i}]"
            )
    AUGMENTATIONS.load()  # its layer registers the check of plugin sections
    layout = TargetLayout.from_config(cfg)
    if cfg.decoding.name not in (None, "none") and DECODERS.available:
        _check_decoder(cfg, DECODERS.lookup(str(cfg.decoding.name)), layout)
    if METRICS.available:
        _check_metrics(cfg)


def _check_decoder(cfg: Any, spec: Any, layout: TargetLayout) -> None:
    """decoding.kwargs against the decoder's declared parameters; the tuned parameter."""
    spec.resolve(cfg.decoding.kwargs, layout)
    tune = cfg.decoding.tune
    if tune.enabled:
        parameter = tune.parameter or spec.tuned
        if parameter not in spec.names():
            raise fail(
                "decoding.tune.parameter",
                f"{parameter!r} is not a parameter of decoder {spec.name!r}",
                f"choose one of {', '.join(spec.names())}",
            )
        if tune.candidates is not None and not tune.candidates:
            raise fail("decoding.tune.candidates", "empty", "give values, e.g. [0.3, 0.5, 0.7]")


def _check_metrics(cfg: Any) -> None:
    """evaluation.metrics are registered; instance metrics need a decoder to score."""
    if not cfg.evaluation.enabled:
        return
    for i, name in enumerate(cfg.evaluation.metrics):
        kind = METRICS.lookup(name, f"evaluation.metrics[{i}]").kind
        if kind == "instance" and cfg.decoding.name in (None, "none"):
            raise fail(
                f"evaluation.metrics[{i}]",
                f"{name} scores instances, but decoding.name is none",
                "set a decoder (e.g. decoding.name: binary_cc) or keep only semantic metrics",
            )
