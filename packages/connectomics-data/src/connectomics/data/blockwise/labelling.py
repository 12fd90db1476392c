"""Per-block labellers: the whole-volume decoders' labelling step, applied to one block."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cc3d
import numpy as np

from connectomics.data.decoding.affinity_cc import connectivity_graph, nearest_neighbour_channels
from connectomics.data.decoding.binary import connected_components
from connectomics.data.decoding.prediction import (
    as_probabilities,
    check_offsets,
    nearest_neighbour_offsets,
    take_channels,
)
from connectomics.data.errors import DataError


def label_binary(
    prediction: np.ndarray,
    threshold: float = 0.5,
    channel: int = 0,
    connectivity: int | None = None,
) -> np.ndarray:
    """Connected components of `prediction[channel] > threshold` (as decoder binary_cc)."""
    probs = as_probabilities(prediction, "binary_cc")
    if not -probs.shape[0] <= channel < probs.shape[0]:
        raise DataError(
            f"binary_cc: channel {channel} does not exist in a prediction with "
            f"{probs.shape[0]} channel(s); set decoding.kwargs.channel"
        )
    return connected_components(probs[channel] > threshold, connectivity)


def label_affinity(
    prediction: np.ndarray,
    threshold: float = 0.5,
    offsets: Any = None,
    channels: Any = None,
) -> np.ndarray:
    """Components of the strong nearest-neighbour affinity graph (as decoder affinity_cc)."""
    probs = as_probabilities(prediction, "affinity_cc")
    ndim = probs.ndim - 1
    wanted = offsets if offsets is not None else nearest_neighbour_offsets(ndim)
    affs = take_channels(probs, channels, len(wanted), "affinity_cc")
    check_offsets(wanted, ndim, affs.shape[0], "affinity_cc")
    graph = connectivity_graph(nearest_neighbour_channels(affs, wanted, "affinity_cc"), threshold)
    labels = cc3d.color_connectivity_graph(graph, connectivity=6 if ndim == 3 else 4)
    labels[graph == 0] = 0
    return labels.astype(np.uint32, copy=False)


LABELLERS: dict[str, Callable[..., np.ndarray]] = {
    "binary_cc": label_binary,
    "affinity_cc": label_affinity,
}
