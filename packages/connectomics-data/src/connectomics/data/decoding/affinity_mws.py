"""Instances by the mutex watershed: attractive short-range, repulsive long-range edges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from connectomics.config.schema.section import NonNegativeInt, Probability
from connectomics.config.target_specs import nearest_neighbour_offsets
from connectomics.data.decoding.postprocess import finalize_labels
from connectomics.data.decoding.prediction import (
    as_probabilities,
    check_offsets,
    take_channels,
)
from connectomics.data.decoding.registry import register_decoder


def affinity_foreground(
    affs: np.ndarray, offsets: Sequence[Sequence[int]], threshold: float
) -> np.ndarray:
    """Voxels with at least one short-range edge (either end) whose affinity > threshold."""
    foreground = np.zeros(affs.shape[1:], dtype=bool)
    for channel, offset in zip(affs, offsets):
        if max(abs(int(o)) for o in offset) > 1:
            continue
        strong = channel > threshold
        foreground |= strong
        # the partner v - offset of each strong edge is foreground too
        shifted = np.zeros_like(strong)
        dst, src = [], []
        for o in offset:
            o = int(o)
            dst.append(slice(None, -o) if o > 0 else slice(-o, None))
            src.append(slice(o, None) if o > 0 else slice(None, o if o else None))
        shifted[tuple(dst)] = strong[tuple(src)]
        foreground |= shifted
    return foreground


@register_decoder(
    "affinity_mws",
    reads="affinity",
    tuned="bias",
    blockwise="connectomics.data.blockwise.connected:run_labelling",
    labeller="connectomics.data.decoding.affinity_mws:mutex_labels",
)
def affinity_mws(
    prediction: Any,
    bias: Probability = 0.5,
    long_range_bias: Probability = 0.3,
    foreground_threshold: Probability = 0.5,
    min_size: NonNegativeInt = 0,
    offsets: Sequence[Sequence[int]] | None = None,
    channels: Sequence[int] | None = None,
    strides: Sequence[Sequence[int]] | None = None,
) -> np.ndarray:
    """Mutex watershed over affinities whose channel c joins v and v - offsets[c] (see
    `mutex_labels`), then small objects removed and consecutive ids."""
    labels = mutex_labels(
        prediction, bias, long_range_bias, foreground_threshold, offsets, channels, strides
    )
    return finalize_labels(labels, min_size)


def mutex_labels(
    prediction: Any,
    bias: float,
    long_range_bias: float,
    foreground_threshold: float,
    offsets: Sequence[Sequence[int]] | None,
    channels: Sequence[int] | None,
    strides: Sequence[Sequence[int]] | None,
) -> np.ndarray:
    """Mutex watershed over affinities whose channel c joins v and v - offsets[c].

    Nearest-neighbour edges weigh `affinity - bias` (attractive above bias, repulsive below);
    long-range edges (any |offset| > 1) are repulsive only, weighing
    `min(affinity - 1 + long_range_bias, 0)`: they split where the affinity is clearly low and
    never merge; the bias keeps slightly noisy within-object edges from splitting. Voxels without a
    short-range affinity above `foreground_threshold` are background.
    """
    import mwatershed

    probs = as_probabilities(prediction, "affinity_mws")
    ndim = probs.ndim - 1
    offsets = offsets if offsets is not None else nearest_neighbour_offsets(ndim)
    affs = take_channels(probs, channels, len(offsets), "affinity_mws")
    check_offsets(offsets, ndim, affs.shape[0], "affinity_mws")
    offsets = [[int(o) for o in offset] for offset in offsets]
    long_range = np.array([max(abs(o) for o in offset) > 1 for offset in offsets])
    weights = affs.astype(np.float64)
    weights[~long_range] -= bias
    # a tiny negative floor: zero weights must not count as attractive
    weights[long_range] = np.minimum(weights[long_range] - 1.0 + long_range_bias, -1e-6)
    # mwatershed joins v and v + offset; ours join v and v - offset
    labels = mwatershed.agglom(
        np.ascontiguousarray(weights),
        [[-o for o in offset] for offset in offsets],
        strides=None if strides is None else [list(map(int, s)) for s in strides],
    )
    labels = np.asarray(labels)
    labels[~affinity_foreground(affs, offsets, foreground_threshold)] = 0
    return labels
