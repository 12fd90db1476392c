"""Monitored metrics: each is one the Lightning module logs, watched in the right direction."""

from __future__ import annotations

from string import Formatter
from typing import Any

from connectomics.config.checks.common import check_choice, fail
from connectomics.config.metrics_logged import (
    FILENAME_FIELDS,
    LOGGED_METRICS,
    better_mode,
    is_logged_metric,
)
from connectomics.config.suggest import did_you_mean


def _check_metric(key: str, name: str) -> None:
    if is_logged_metric(name):
        return
    hint = did_you_mean(name, LOGGED_METRICS)
    raise fail(
        key,
        f"{name!r} is not a metric the module logs",
        f"{hint}use one of {', '.join(LOGGED_METRICS)} (or a loss part train/loss_*, val/loss_*)",
    )


def _check_mode(key: str, metric: str, mode: str) -> None:
    check_choice(key, mode, ("min", "max"))
    better = better_mode(metric)
    if mode != better:
        raise fail(
            key,
            f"{mode}, but {metric} improves {'upward' if better == 'max' else 'downward'}",
            f"set it to {better}",
        )


def _filename_fields(template: str) -> list[str]:
    try:
        return [field for _, field, _, _ in Formatter().parse(template) if field]
    except ValueError as exc:
        raise fail(
            "checkpoint.filename",
            f"{template!r} is not a valid template ({exc})",
            "balance the braces, e.g. epoch{epoch:02d}",
        ) from None


def check_monitors(cfg: Any) -> None:
    """checkpoint/early_stopping/scheduler monitors are logged; modes match; filename fields too."""
    ckpt = cfg.checkpoint
    _check_metric("checkpoint.monitor", ckpt.monitor)
    _check_mode("checkpoint.mode", ckpt.monitor, ckpt.mode)
    if ckpt.save_top_k < -1:
        raise fail(
            "checkpoint.save_top_k",
            f"{ckpt.save_top_k} is invalid",
            "use -1 (all), 0 or a positive count",
        )
    for field in _filename_fields(ckpt.filename):
        if field not in FILENAME_FIELDS:
            _check_metric("checkpoint.filename", field)
    stop = cfg.early_stopping
    if stop.enabled:
        _check_metric("early_stopping.monitor", stop.monitor)
        _check_mode("early_stopping.mode", stop.monitor, stop.mode)
        if stop.patience < 0 or stop.min_delta < 0:
            raise fail(
                "early_stopping",
                f"patience {stop.patience} / min_delta {stop.min_delta} is negative",
                "use values >= 0",
            )
    _check_metric("scheduler.monitor", cfg.scheduler.monitor)
