"""Input intensity normalisation for inference: the training function, dataset statistics."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from connectomics.data.datasets.normalize import dataset_statistics, normalize_image
from connectomics.data.datasets.volume_normalize import intensity_shift


def volume_statistics(volume: Any) -> dict[str, float]:
    """Statistics of the input volume itself (when the checkpoint carries none)."""
    return dataset_statistics([volume])


def normalize_block(
    block: np.ndarray,
    mode: str,
    stats: Mapping[str, float] | None,
    scale: tuple[float, float] | None = None,
) -> np.ndarray:
    """float32 copy of `block` normalised exactly as training crops are (normalize_image);
    `scale` is the input volume's range for mode "scale" (volume_scale_range)."""
    return normalize_image(block, mode, stats, scale=scale)


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
