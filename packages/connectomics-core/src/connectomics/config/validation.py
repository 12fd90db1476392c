"""`validate_config`: every cross-field check, run at load time before any data is read."""

from __future__ import annotations

from typing import Any

from connectomics.config.checks.finite import check_finite
from connectomics.config.checks.geometry import check_geometry
from connectomics.config.checks.losses import check_losses
from connectomics.config.checks.monitors import check_monitors
from connectomics.config.checks.outputs import check_outputs
from connectomics.config.checks.registry_checks import run_registered_checks
from connectomics.config.checks.training import check_training
from connectomics.config.checks.values import check_values


def validate_config(cfg: Any) -> Any:
    """Check a typed config; normalises training.precision in place; returns `cfg`.

    Raises ConfigError naming the dotted key and the fix for the first problem found.
    """
    check_finite(cfg)
    check_outputs(cfg)
    run_registered_checks(cfg)  # the model and loss layers' own checks (registry_checks.py)
    check_losses(cfg)
    check_geometry(cfg)
    check_training(cfg)
    check_monitors(cfg)
    check_values(cfg)
    return cfg
