"""Input intensity normalisation for inference: the training function, dataset statistics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from connectomics.data.datasets.normalize import dataset_statistics, normalize_image


def volume_statistics(volume: Any) -> dict[str, float]:
    """Statistics of the input volume itself (when the checkpoint carries none)."""
    return dataset_statistics([volume])


def normalize_block(block: np.ndarray, mode: str, stats: Mapping[str, float] | None) -> np.ndarray:
    """float32 copy of `block` normalised exactly as training crops are (normalize_image)."""
    return normalize_image(block, mode, stats)
