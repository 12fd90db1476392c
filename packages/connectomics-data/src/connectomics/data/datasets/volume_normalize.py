"""Per-volume robust normalisation (data.normalize="volume_percentile") and the check that an
input's intensities lie where the training volumes' did.

Each volume is normalised by its own 0.5/99.5 percentiles, read out of core from evenly spread
sections (`dataset_statistics`): a training crop by its source volume's, an inference input by
the input's, so a volume with another contrast maps to the same [0, 1] range as the training
data. The training volumes' pooled statistics stay in data.normalize_stats (the checkpoint).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from connectomics.data.datasets.normalize import dataset_statistics

# Modes normalised with each volume's own statistics, at training and at inference alike.
PER_VOLUME_MODES = ("volume_percentile", "clahe")
# An input whose std differs from training's by more than this factor, or whose mean lies more
# than this many training stds away, is warned about at predict time.
STD_RATIO_LIMIT = 1.4
MEAN_SHIFT_LIMIT = 1.0


def volume_stats(volume: Any) -> dict[str, float]:
    """Mean, std and 0.5/99.5 percentiles of one lazy volume (read from <= 16 sections)."""
    stats = dataset_statistics([volume])
    return {name: value for name, value in dict(stats).items() if value is not None}


def intensity_shift(
    input_stats: Mapping[str, float], train_stats: Mapping[str, float]
) -> str | None:
    """A one-line description of how far `input_stats` lie outside `train_stats` (raw units),
    or None when the mean is within MEAN_SHIFT_LIMIT training stds and the std ratio within
    1/STD_RATIO_LIMIT..STD_RATIO_LIMIT."""
    # a mapping or a NormalizationStats: dict() of either gives the values by name
    input_stats, train_stats = dict(input_stats), dict(train_stats)
    mean, std = float(input_stats["mean"]), float(input_stats["std"])
    t_mean, t_std = float(train_stats["mean"]), max(float(train_stats["std"]), 1e-8)
    ratio = std / t_std
    shift = abs(mean - t_mean) / t_std
    if 1.0 / STD_RATIO_LIMIT <= ratio <= STD_RATIO_LIMIT and shift <= MEAN_SHIFT_LIMIT:
        return None
    return (
        f"input intensities (mean {mean:.3g}, std {std:.3g}) lie far from the training "
        f"volumes' (mean {t_mean:.3g}, std {t_std:.3g}): std ratio {ratio:.2f}, mean shift "
        f"{shift:.2f} training stds; expect a degraded prediction (train with "
        "data.normalize=volume_percentile and intensity augmentation, or adapt the model)"
    )


def warn_intensity_shift(
    input_stats: Mapping[str, float], train_stats: Mapping[str, float] | None
) -> str | None:
    """Warn (UserWarning) when the input's intensity statistics lie far outside the training
    statistics kept in the checkpoint; returns the message (None: no warning, or no stats)."""
    if not train_stats or "mean" not in train_stats or "std" not in train_stats:
        return None
    message = intensity_shift(input_stats, train_stats)
    if message is not None:
        warnings.warn(message, UserWarning, stacklevel=3)
    return message
