"""Instances by waterz: watershed fragments agglomerated by mean affinity."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from connectomics.config.schema.section import NonNegativeInt, Probability
from connectomics.config.target_specs import nearest_neighbour_offsets
from connectomics.data.decoding.affinity_cc import nearest_neighbour_channels
from connectomics.data.decoding.merge_gap import MERGE_GAP, merge_gap_threshold
from connectomics.data.decoding.postprocess import finalize_labels
from connectomics.data.decoding.prediction import (
    as_probabilities,
    check_offsets,
    take_channels,
)
from connectomics.data.decoding.registry import register_decoder

log = logging.getLogger(__name__)
MEAN_AFFINITY = "OneMinus<MeanAffinity<RegionGraphType, ScoreValue>>"


@register_decoder(
    "affinity_waterz",
    reads="affinity",
    tuned="threshold",
    blockwise="connectomics.data.blockwise.agglomerate:agglomerate_blockwise",
)
def affinity_waterz(
    prediction: Any,
    threshold: Probability | Literal["merge_gap"] = 0.5,
    aff_threshold_low: Probability = 0.0001,
    aff_threshold_high: Probability = 0.9999,
    min_size: NonNegativeInt = 0,
    offsets: Sequence[Sequence[int]] | None = None,
    channels: Sequence[int] | None = None,
    scoring_function: str = MEAN_AFFINITY,
) -> np.ndarray:
    """Waterz agglomeration of nearest-neighbour affinities, stopped at merge score `threshold`.

    The score is 1 - mean affinity between regions, so a higher threshold merges more;
    threshold="merge_gap" takes it from the volume's own merge scores (merge_gap_threshold),
    without labels. 2D predictions (2, Y, X) are decoded as one section.
    """
    import waterz

    from connectomics.data.native_output import quiet_native_stdout

    probs = as_probabilities(prediction, "affinity_waterz")
    ndim = probs.ndim - 1
    offsets = offsets if offsets is not None else nearest_neighbour_offsets(ndim)
    affs = take_channels(probs, channels, len(offsets), "affinity_waterz")
    check_offsets(offsets, ndim, affs.shape[0], "affinity_waterz")
    nearest = nearest_neighbour_channels(affs, offsets, "affinity_waterz")
    if ndim == 2:
        nearest = np.concatenate([np.zeros_like(nearest[:1]), nearest])[:, None]
    nearest = np.ascontiguousarray(nearest, dtype=np.float32)
    options = {
        "aff_threshold_low": aff_threshold_low,
        "aff_threshold_high": aff_threshold_high,
        "scoring_function": scoring_function,
    }
    with quiet_native_stdout():  # waterz prints its progress from C++
        if threshold == MERGE_GAP:
            threshold = merge_gap_threshold(merge_scores(nearest, options))
            log.info("affinity_waterz: merge_gap threshold %.3f", threshold)
        result = next(waterz.agglomerate(nearest, thresholds=[float(threshold)], **options))
    labels = result[0] if isinstance(result, tuple) else result
    labels = np.array(labels, copy=True)
    if ndim == 2:
        labels = labels[0]
    return finalize_labels(labels, min_size)


def merge_scores(nearest: np.ndarray, options: dict[str, Any]) -> np.ndarray:
    """The score of every merge of agglomerating `nearest` (3, Z, Y, X) to the end."""
    import waterz

    _, history = next(
        waterz.agglomerate(nearest, thresholds=[1.0], return_merge_history=True, **options)
    )
    return np.fromiter((merge["score"] for merge in history), dtype=np.float64)
