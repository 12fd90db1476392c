"""Instances from a foreground probability by connected components."""

from __future__ import annotations

from typing import Any, Literal

import cc3d
import numpy as np

from connectomics.config.schema.section import NonNegativeInt, Probability
from connectomics.data.decoding.postprocess import finalize_labels
from connectomics.data.decoding.prediction import as_probabilities
from connectomics.data.decoding.registry import register_decoder
from connectomics.data.errors import DataError


def face_connectivity(ndim: int) -> int:
    """cc3d's face connectivity for a 2D (4) or 3D (6) volume."""
    return 6 if ndim == 3 else 4


def connected_components(mask: np.ndarray, connectivity: int | None = None) -> np.ndarray:
    """uint32 connected components of a boolean mask (face connectivity by default)."""
    connectivity = connectivity or face_connectivity(mask.ndim)
    allowed = (6, 18, 26) if mask.ndim == 3 else (4, 8)
    if connectivity not in allowed:
        raise DataError(
            f"connectivity {connectivity} is not valid for a {mask.ndim}D volume; use one of "
            f"{allowed}"
        )
    return cc3d.connected_components(mask, connectivity=connectivity).astype(np.uint32, copy=False)


@register_decoder(
    "binary_cc",
    reads="foreground",
    tuned="threshold",
    blockwise="connectomics.data.blockwise.connected:run_labelling",
    labeller="connectomics.data.decoding.binary:binary_components",
)
def binary_cc(
    prediction: Any,
    threshold: Probability = 0.5,
    min_size: NonNegativeInt = 0,
    channel: int = 0,
    connectivity: Literal[4, 6, 8, 18, 26] | None = None,
) -> np.ndarray:
    """Connected components of `prediction[channel] > threshold`, small ones removed."""
    labels = binary_components(prediction, threshold, channel, connectivity)
    return finalize_labels(labels, min_size)


def binary_components(
    prediction: Any, threshold: float, channel: int, connectivity: int | None
) -> np.ndarray:
    """Connected components of `prediction[channel] > threshold` (ids not yet consecutive)."""
    probs = as_probabilities(prediction, "binary_cc")
    if not -probs.shape[0] <= channel < probs.shape[0]:
        raise DataError(
            f"binary_cc: channel {channel} does not exist in a prediction with "
            f"{probs.shape[0]} channel(s); set decoding.kwargs.channel"
        )
    return connected_components(probs[channel] > threshold, connectivity)
