"""Instances from foreground + contour (+ distance) maps by seeded watershed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from skimage.segmentation import watershed

from connectomics.config.schema.section import NonNegativeInt, Probability
from connectomics.data.decoding.binary import connected_components
from connectomics.data.decoding.postprocess import finalize_labels
from connectomics.data.decoding.prediction import as_probabilities
from connectomics.data.decoding.registry import register_decoder
from connectomics.data.errors import DataError


@register_decoder("binary_contour_watershed", reads="contour", tuned="seed_threshold")
def binary_contour_watershed(
    prediction: Any,
    foreground_threshold: Probability = 0.5,
    seed_threshold: Probability = 0.8,
    contour_threshold: Probability = 0.3,
    distance_threshold: Probability = 0.5,
    min_seed_size: NonNegativeInt = 4,
    min_size: NonNegativeInt = 0,
    use_distance: bool = True,
    channels: Sequence[int] | None = None,
) -> np.ndarray:
    """Seeds where foreground is high and contour low (and distance high), grown by watershed.

    `channels` are the (foreground, contour[, per-instance distance in [0, 1]]) channels
    (filled from the binary_contour(_distance) target of data.targets; None: 0, 1 and 2 when
    the prediction has it). Seeds are the connected components of the seed mask; they grow
    over the elevation map (contour, minus the distance when given) inside
    `foreground > foreground_threshold`.
    """
    probs = as_probabilities(prediction, "binary_contour_watershed")
    if probs.shape[0] < 2:
        raise DataError(
            "binary_contour_watershed needs foreground and contour channels (2, or 3 with "
            f"distance), got a prediction of shape {probs.shape}; use binary_cc for one channel"
        )
    channels = list(range(min(probs.shape[0], 3))) if channels is None else list(channels)
    if not 2 <= len(channels) <= 3 or any(not 0 <= c < probs.shape[0] for c in channels):
        raise DataError(
            f"binary_contour_watershed: channels {channels} must name 2 or 3 channels "
            f"(foreground, contour[, distance]) of a prediction with {probs.shape[0]}; set "
            "decoding.kwargs.channels"
        )
    foreground, contour = probs[channels[0]], probs[channels[1]]
    distance = probs[channels[2]] if use_distance and len(channels) > 2 else None
    seed_mask = (foreground > seed_threshold) & (contour < contour_threshold)
    elevation = contour
    if distance is not None:
        seed_mask &= distance > distance_threshold
        elevation = contour - distance
    seeds = finalize_labels(connected_components(seed_mask), min_seed_size)
    labels = watershed(elevation, markers=seeds, mask=foreground > foreground_threshold)
    return finalize_labels(labels, min_size)
