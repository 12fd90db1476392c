"""`TARGET_SPECS`: what the config layer knows about each label target, by registry name.

A spec says how many channels a target makes for its kwargs, the activation of each channel
at inference (channels of one target marked "softmax" form one softmax group), which channels
are continuous (regressed, resized by averaging), which channel (if any) is the foreground
probability that semantic metrics and binary decoding read and, for affinity-like targets, the
offsets of its channels. The label-to-target transforms themselves live in connectomics-data, whose
`register_target(name, spec=...)` registers a transform and its spec in one decorator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from connectomics.config.registries import TARGETS

Kwargs = Mapping[str, Any]
# The output activations a target channel (and inference.activation) may name.
Activation = Literal["sigmoid", "softmax", "tanh", "none"]
ACTIVATIONS = get_args(Activation)


def nearest_neighbour_offsets(ndim: int) -> list[list[int]]:
    """One unit offset per spatial axis, in axis order (the default affinity channels)."""
    return [[int(i == axis) for i in range(ndim)] for axis in range(ndim)]


@dataclass(frozen=True)
class TargetSpec:
    """Channels, activations, continuity and offsets of one target, given its kwargs.

    `channels`, `activation`, `continuous` and `offsets` are values or functions of
    (kwargs, spatial_dims). A single activation or continuity applies to every channel;
    `continuous=None` makes tanh channels continuous and the others binary. `foreground` is
    the index, within the target, of its foreground-probability channel (None: it has none);
    `contour` the indices of its (foreground, contour[, distance]) channels, which the seeded
    watershed decoder reads.
    """

    channels: int | Callable[[Kwargs, int], int] = 1
    activation: str | Sequence[str] | Callable[[Kwargs, int], Sequence[str]] = "sigmoid"
    continuous: bool | Sequence[bool] | None = None
    foreground: int | None = None
    offsets: Callable[[Kwargs, int], Sequence[Sequence[int]]] | None = None
    contour: tuple[int, ...] | None = None

    def channel_count(self, kwargs: Kwargs, spatial_dims: int) -> int:
        """Number of channels made with `kwargs` on `spatial_dims`-D labels."""
        count = self.channels(kwargs, spatial_dims) if callable(self.channels) else self.channels
        return int(count)

    def activations(self, kwargs: Kwargs, spatial_dims: int) -> list[str]:
        """Activation name of each channel."""
        count = self.channel_count(kwargs, spatial_dims)
        names = (
            self.activation(kwargs, spatial_dims) if callable(self.activation) else self.activation
        )
        names = [names] * count if isinstance(names, str) else [str(n) for n in names]
        if len(names) != count or any(n not in ACTIVATIONS for n in names):
            raise ValueError(
                f"target spec activation {names} must give one of {list(ACTIVATIONS)} for each "
                f"of its {count} channel(s)"
            )
        return names

    def continuity(self, kwargs: Kwargs, spatial_dims: int) -> list[bool]:
        """Whether each channel is continuous (True) or binary/categorical (False)."""
        names = self.activations(kwargs, spatial_dims)
        if self.continuous is None:
            return [name == "tanh" for name in names]
        if isinstance(self.continuous, bool):
            return [self.continuous] * len(names)
        flags = [bool(c) for c in self.continuous]
        if len(flags) != len(names):
            raise ValueError(f"target spec continuous {flags} needs {len(names)} entries")
        return flags

    def channel_offsets(self, kwargs: Kwargs, spatial_dims: int) -> list[list[int]] | None:
        """The offset of each channel of an affinity-like target (None for other targets)."""
        if self.offsets is None:
            return None
        return [[int(v) for v in offset] for offset in self.offsets(kwargs, spatial_dims)]


TARGET_SPECS = TARGETS  # name -> TargetSpec (the one targets registry of the config layer)


def register_target_spec(name: str, spec: TargetSpec) -> TargetSpec:
    """Make target `name` known to config validation and the `TargetLayout`; returns `spec`."""
    if not isinstance(spec, TargetSpec):
        raise TypeError(f"target {name!r}: spec must be a TargetSpec, got {type(spec).__name__}")
    return TARGETS.register(name, spec)


def target_spec(name: str, key: str = "data.targets.name") -> TargetSpec:
    """The spec of target `name`, or a ConfigError at `key` listing the known targets."""
    return TARGETS.lookup(name, key)


def _affinity_offsets(kwargs: Kwargs, spatial_dims: int) -> Sequence[Sequence[int]]:
    offsets = kwargs.get("offsets")
    return offsets if offsets is not None else nearest_neighbour_offsets(spatial_dims)


def lsd_channels(spatial_dims: int) -> int:
    """Channels of local shape descriptors: mean offset (d), covariance diagonal (d), its
    off-diagonal (d(d-1)/2) and size (1): 10 in 3D, 6 in 2D."""
    d = int(spatial_dims)
    return d + d + d * (d - 1) // 2 + 1


def _classes(kwargs: Kwargs, spatial_dims: int) -> int:
    return int(kwargs.get("num_classes", 2))


register_target_spec("binary", TargetSpec(foreground=0))
register_target_spec(
    "affinity",
    TargetSpec(
        channels=lambda kw, dims: len(_affinity_offsets(kw, dims)), offsets=_affinity_offsets
    ),
)
register_target_spec("boundary", TargetSpec())
register_target_spec("distance", TargetSpec(activation="tanh"))
register_target_spec("binary_contour", TargetSpec(channels=2, foreground=0, contour=(0, 1)))
register_target_spec(
    "binary_contour_distance",
    TargetSpec(
        channels=3,
        activation=("sigmoid", "sigmoid", "tanh"),
        foreground=0,
        contour=(0, 1, 2),
    ),
)
register_target_spec("semantic", TargetSpec(channels=_classes, activation="softmax"))
register_target_spec(
    "lsd",
    TargetSpec(channels=lambda kw, dims: lsd_channels(dims), activation="sigmoid", continuous=True),
)
