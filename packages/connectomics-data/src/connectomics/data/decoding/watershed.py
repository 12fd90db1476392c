"""Instances from foreground + contour (+ distance) maps by seeded watershed."""

from __future__ import annotations

from typing import Any

import numpy as np
from skimage.segmentation import watershed

from connectomics.config.schema.section import NonNegativeInt, Probability
from connectomics.data.decoding.binary import connected_components
from connectomics.data.decoding.postprocess import finalize_labels
from connectomics.data.decoding.prediction import as_probabilities
from connectomics.data.decoding.registry import register_decoder
from connectomics.data.errors import DataError


@register_decoder("binary_contour_watershed", tuned="seed_threshold")
def binary_contour_watershed(
    prediction: Any,
    foreground_threshold: Probability = 0.5,
    seed_threshold: Probability = 0.8,
    contour_threshold: Probability = 0.3,
    distance_threshold: Probability = 0.5,
    min_seed_size: NonNegativeInt = 4,
    min_size: NonNegativeInt = 0,
    use_distance: bool = True,
) -> np.ndarray:
    """Seeds where foreground is high and contour low (and distance high), grown by watershed.

    Channels: 0 foreground, 1 contour, optional 2 per-instance distance in [0, 1]. Seeds are
    the connected components of the seed mask; they grow over the elevation map (contour, minus
    the distance when given) inside `foreground > foreground_threshold`.
    """
    probs = as_probabilities(prediction, "binary_contour_watershed")
    if probs.shape[0] < 2:
        raise DataError(
            "binary_contour_watershed needs foreground and contour channels (2, or 3 with "
            f"distance), got a prediction of shape {probs.shape}; use binary_cc for one channel"
        )
    foreground, contour = probs[0], probs[1]
    distance = probs[2] if use_distance and probs.shape[0] > 2 else None
    seed_mask = (foreground > seed_threshold) & (contour < contour_threshold)
    elevation = contour
    if distance is not None:
        seed_mask &= distance > distance_threshold
        elevation = contour - distance
    seeds = finalize_labels(connected_components(seed_mask), min_seed_size)
    labels = watershed(elevation, markers=seeds, mask=foreground > foreground_threshold)
    return finalize_labels(labels, min_size)
