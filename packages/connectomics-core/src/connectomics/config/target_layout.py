"""`TargetLayout`: where each configured target sits in the output channels and how to read it.

Built once from `data.targets` (and `model.spatial_dims`) with the registered target specs;
inference, the loss plan, the Lightning module and decoding ask it instead of re-deriving
channel counts, activations, softmax groups, continuity or affinity offsets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from connectomics.config.target_specs import nearest_neighbour_offsets, target_spec


@dataclass(frozen=True)
class TargetSlot:
    """One entry of data.targets: its name, its channels and how each channel is read
    (`foreground` is the output channel of its foreground probability, if it has one;
    `contour` the output channels of its foreground, contour and distance, if it has them)."""

    name: str
    channels: slice
    activations: tuple[str, ...]
    continuous: tuple[bool, ...]
    foreground: int | None = None
    offsets: tuple[tuple[int, ...], ...] | None = None
    contour: tuple[int, ...] | None = None

    @property
    def size(self) -> int:
        """Number of channels of this target."""
        return self.channels.stop - self.channels.start

    def nearest_neighbour_channels(self) -> list[int]:
        """Output channels whose offset is one unit along one axis (affinity targets)."""
        ndim = len(self.offsets[0]) if self.offsets else 0
        unit = {tuple(o) for o in nearest_neighbour_offsets(ndim)}
        return [c for c, o in zip(self.indices(), self.offsets or ()) if tuple(o) in unit]

    def long_range_channels(self) -> list[int]:
        """Output channels of the auxiliary (non-unit) offsets of an affinity target."""
        near = set(self.nearest_neighbour_channels())
        return [c for c in self.indices() if c not in near] if self.offsets else []

    def indices(self) -> list[int]:
        """The output channel indices of this target."""
        return list(range(self.channels.start, self.channels.stop))


@dataclass(frozen=True)
class TargetLayout:
    """The output channels of a network trained on `data.targets`, target by target."""

    slots: tuple[TargetSlot, ...]
    spatial_dims: int

    @classmethod
    def build(
        cls, targets: Iterable[tuple[str, Mapping[str, Any]]], spatial_dims: int
    ) -> TargetLayout:
        """Layout of `(name, kwargs)` targets concatenated in order (unknown names: ConfigError)."""
        slots, start = [], 0
        for i, (name, kwargs) in enumerate(targets):
            spec = target_spec(name, f"data.targets[{i}].name")
            count = spec.channel_count(kwargs, spatial_dims)
            offsets = spec.channel_offsets(kwargs, spatial_dims)
            slots.append(
                TargetSlot(
                    name=name,
                    channels=slice(start, start + count),
                    activations=tuple(spec.activations(kwargs, spatial_dims)),
                    continuous=tuple(spec.continuity(kwargs, spatial_dims)),
                    foreground=None if spec.foreground is None else start + spec.foreground,
                    offsets=None if offsets is None else tuple(tuple(o) for o in offsets),
                    contour=None
                    if spec.contour is None
                    else tuple(start + c for c in spec.contour),
                )
            )
            start += count
        return cls(tuple(slots), spatial_dims)

    @classmethod
    def from_config(cls, cfg: Any) -> TargetLayout:
        """Layout of cfg.data.targets for cfg.model.spatial_dims."""
        targets = [_name_kwargs(entry) for entry in cfg.data.targets or []]
        return cls.build(targets, int(cfg.model.spatial_dims))

    @property
    def num_channels(self) -> int:
        """Total number of output channels (what model.out_channels must be)."""
        return self.slots[-1].channels.stop if self.slots else 0

    @property
    def activations(self) -> list[str]:
        """Activation of each channel; softmax channels carry their group, e.g. 'softmax:1'."""
        return [
            f"softmax:{i}" if name == "softmax" else name
            for i, slot in enumerate(self.slots)
            for name in slot.activations
        ]

    def activation_names(self) -> list[str]:
        """Activation of each channel without group tags (sigmoid, softmax, tanh, none)."""
        return [name for slot in self.slots for name in slot.activations]

    def softmax_groups(self) -> list[slice]:
        """Channel slices normalised together by one softmax (one per softmax target)."""
        return [slot.channels for slot in self.slots if "softmax" in slot.activations]

    @property
    def continuous(self) -> list[bool]:
        """Whether each channel is continuous (resized by averaging, regressed)."""
        return [flag for slot in self.slots for flag in slot.continuous]

    def slot(self, name: str) -> TargetSlot:
        """The first target called `name` (KeyError when there is none)."""
        for slot in self.slots:
            if slot.name == name:
                return slot
        raise KeyError(f"no target {name!r} in data.targets ({self.describe()})")

    def affinity(self) -> TargetSlot | None:
        """The first target with offsets (affinities), or None."""
        return next((slot for slot in self.slots if slot.offsets is not None), None)

    def contour_channels(self) -> list[int] | None:
        """The (foreground, contour[, distance]) output channels of the first target that has
        them (binary_contour, binary_contour_distance), or None."""
        return next((list(s.contour) for s in self.slots if s.contour is not None), None)

    def foreground_channel(self) -> int:
        """The output channel of the first target's foreground probability that has one
        (binary, binary_contour, ...), else channel 0."""
        return next((s.foreground for s in self.slots if s.foreground is not None), 0)

    def describe(self) -> str:
        """'name: channels' of each target, e.g. 'binary: 1, affinity: 3'."""
        return ", ".join(f"{slot.name}: {slot.size}" for slot in self.slots)


def _name_kwargs(entry: Any) -> tuple[str, dict[str, Any]]:
    """(name, kwargs) of one data.targets entry (a mapping or a typed section)."""
    if isinstance(entry, Mapping):
        return str(entry["name"]), dict(entry.get("kwargs") or {})
    return str(entry.name), dict(entry.kwargs or {})
