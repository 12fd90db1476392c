"""The loss plan: weights, kwargs and channels given once per loss."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectomics.config.checks.common import fail
from connectomics.config.plain import plain


def _channel_list(entry: Any) -> list[Any] | None:
    if entry is None:
        return None
    return entry if isinstance(entry, list) else [entry]


def check_losses(cfg: Any) -> None:
    """Counts of loss_weights/loss_kwargs/loss_channels match loss_functions; indices valid."""
    model = cfg.model
    names = list(model.loss_functions)
    count = len(names)
    if count == 0:
        raise fail(
            "model.loss_functions", "no loss given", "give at least one loss, e.g. [DiceLoss]"
        )
    weights = list(model.loss_weights)
    if len(weights) != count:
        raise fail(
            "model.loss_weights",
            f"{len(weights)} weight(s) for {count} loss function(s) {names}",
            f"give {count} weights, e.g. {[1.0] * count}",
        )
    if any(w < 0 for w in weights):
        raise fail("model.loss_weights", f"{weights} has a negative weight", "use weights >= 0")
    kwargs = plain(model.loss_kwargs)
    if kwargs and len(kwargs) != count:
        raise fail(
            "model.loss_kwargs",
            f"{len(kwargs)} mapping(s) for {count} loss function(s) {names}",
            f"give {count} mappings (use {{}} for a loss without options) or none",
        )
    for i, entry in enumerate(kwargs or []):
        if entry is not None and not isinstance(entry, Mapping):
            raise fail(
                f"model.loss_kwargs[{i}]",
                f"{entry!r} is not a mapping",
                "write e.g. {sigmoid: true}",
            )
    channels = plain(model.loss_channels)
    if channels and len(channels) != count:
        raise fail(
            "model.loss_channels",
            f"{len(channels)} channel list(s) for {count} loss function(s) {names}",
            f"give {count} channel lists (null means all channels) or none",
        )
    out = model.out_channels
    for i, entry in enumerate(channels or []):
        for c in _channel_list(entry) or []:
            if not isinstance(c, int) or isinstance(c, bool) or not 0 <= c < out:
                raise fail(
                    f"model.loss_channels[{i}]",
                    f"channel {c!r} is not an output channel (model.out_channels={out})",
                    f"use indices 0..{out - 1}",
                )
    ds_weights = model.deep_supervision_weights
    if ds_weights is not None and any(w < 0 for w in ds_weights):
        raise fail(
            "model.deep_supervision_weights",
            f"{list(ds_weights)} has a negative weight",
            "use weights >= 0",
        )
