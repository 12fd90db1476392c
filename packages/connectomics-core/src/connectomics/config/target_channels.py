"""Channel counts and activations of the label targets, known to core for config validation.

The transforms themselves live in connectomics-data; a test there checks that every
transform produces the channels declared here.
"""

from collections.abc import Callable, Mapping
from typing import Any

DEFAULT_AFFINITY_OFFSETS_3D = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
DEFAULT_AFFINITY_OFFSETS_2D = [[1, 0], [0, 1]]


def _affinity_channels(kwargs: Mapping[str, Any]) -> int:
    offsets = kwargs.get("offsets")
    # default: one nearest-neighbour offset per spatial axis
    return len(offsets) if offsets is not None else int(kwargs.get("_spatial_dims", 3))


def _semantic_channels(kwargs: Mapping[str, Any]) -> int:
    return int(kwargs.get("num_classes", 2))


# name -> (channel count from the target's kwargs, activation of each channel at inference)
TARGET_SPECS: dict[
    str, tuple[Callable[[Mapping[str, Any]], int], Callable[[Mapping[str, Any]], list[str]]]
] = {
    "binary": (lambda kw: 1, lambda kw: ["sigmoid"]),
    "affinity": (_affinity_channels, lambda kw: ["sigmoid"] * _affinity_channels(kw)),
    "boundary": (lambda kw: 1, lambda kw: ["sigmoid"]),
    "distance": (lambda kw: 1, lambda kw: ["tanh"]),
    "binary_contour": (lambda kw: 2, lambda kw: ["sigmoid", "sigmoid"]),
    "binary_contour_distance": (lambda kw: 3, lambda kw: ["sigmoid", "sigmoid", "tanh"]),
    "semantic": (_semantic_channels, lambda kw: ["softmax"] * _semantic_channels(kw)),
}


def target_channels(
    name: str, kwargs: Mapping[str, Any] | None = None, spatial_dims: int = 3
) -> int:
    """Number of output channels the target `name` produces with `kwargs` in 2D or 3D."""
    return TARGET_SPECS[name][0]({**(kwargs or {}), "_spatial_dims": spatial_dims})


def target_activations(
    name: str, kwargs: Mapping[str, Any] | None = None, spatial_dims: int = 3
) -> list[str]:
    """Activation applied to each channel of target `name` at inference, in 2D or 3D."""
    return TARGET_SPECS[name][1]({**(kwargs or {}), "_spatial_dims": spatial_dims})
