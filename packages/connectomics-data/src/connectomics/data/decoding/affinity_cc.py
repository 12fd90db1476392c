"""Instances as connected components of the graph of strong nearest-neighbour affinities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cc3d
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
from connectomics.data.errors import DataError


def nearest_neighbour_channels(
    affinities: np.ndarray, offsets: Sequence[Sequence[int]], name: str
) -> np.ndarray:
    """The (ndim, *spatial) affinities to the previous voxel along each axis, in axis order."""
    ndim = affinities.ndim - 1
    wanted = nearest_neighbour_offsets(ndim)
    found = [[int(v) for v in o] for o in offsets]
    missing = [o for o in wanted if o not in found]
    if missing:
        raise DataError(
            f"decoder {name!r} needs nearest-neighbour affinities {wanted} but offsets "
            f"{found} lack {missing}; set decoding.kwargs.offsets to the affinity target's"
        )
    return affinities[[found.index(o) for o in wanted]]


def connectivity_graph(nearest: np.ndarray, threshold: float) -> np.ndarray:
    """cc3d's uint8 voxel connectivity graph with an edge wherever the affinity > threshold.

    Channel a at voxel v joins v and v - e_a. cc3d's bits, per array axis a: 2a is the edge
    to v + e_a, 2a + 1 the edge to v - e_a.
    """
    graph = np.zeros(nearest.shape[1:], dtype=np.uint8)
    for axis, channel in enumerate(nearest):
        strong = channel > threshold
        # the first slice along the axis has no previous voxel
        first = [slice(None)] * graph.ndim
        first[axis] = slice(0, 1)
        strong[tuple(first)] = False
        graph |= strong.astype(np.uint8) << np.uint8(2 * axis + 1)
        here = [slice(None)] * graph.ndim
        ahead = [slice(None)] * graph.ndim
        here[axis], ahead[axis] = slice(None, -1), slice(1, None)
        graph[tuple(here)] |= strong[tuple(ahead)].astype(np.uint8) << np.uint8(2 * axis)
    return graph


@register_decoder(
    "affinity_cc",
    reads="affinity",
    tuned="threshold",
    blockwise="connectomics.data.blockwise.connected:run_labelling",
    labeller="connectomics.data.decoding.affinity_cc:affinity_components",
)
def affinity_cc(
    prediction: Any,
    threshold: Probability = 0.5,
    min_size: NonNegativeInt = 0,
    offsets: Sequence[Sequence[int]] | None = None,
    channels: Sequence[int] | None = None,
) -> np.ndarray:
    """Voxels joined wherever a nearest-neighbour affinity exceeds `threshold` (exact, cc3d).

    Voxels without any strong edge are background (0).
    """
    return finalize_labels(affinity_components(prediction, threshold, offsets, channels), min_size)


def affinity_components(
    prediction: Any,
    threshold: float,
    offsets: Sequence[Sequence[int]] | None,
    channels: Sequence[int] | None,
) -> np.ndarray:
    """Components of the strong nearest-neighbour affinity graph (ids not yet consecutive)."""
    probs = as_probabilities(prediction, "affinity_cc")
    ndim = probs.ndim - 1
    offsets = offsets if offsets is not None else nearest_neighbour_offsets(ndim)
    affs = take_channels(probs, channels, len(offsets), "affinity_cc")
    check_offsets(offsets, ndim, affs.shape[0], "affinity_cc")
    graph = connectivity_graph(nearest_neighbour_channels(affs, offsets, "affinity_cc"), threshold)
    labels = cc3d.color_connectivity_graph(graph, connectivity=6 if ndim == 3 else 4)
    labels[graph == 0] = 0
    return labels.astype(np.uint32, copy=False)
