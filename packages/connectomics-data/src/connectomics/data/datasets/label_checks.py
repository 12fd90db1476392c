"""The check that a training label volume holds any labelled voxel (warned about once)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

# Bytes read per slab when a label must be scanned to the end (it looked empty in samples).
SCAN_BYTES = 64 * 2**20
_warned: set[str] = set()


class EmptyLabelWarning(UserWarning):
    """A training label volume is zero everywhere: its crops teach only background."""


def _sampled_sections_empty(volume: Any) -> bool:
    """True when up to 16 evenly spread z sections of `volume` are all zero."""
    depth = int(volume.shape[0])
    for z in np.unique(np.linspace(0, depth - 1, min(depth, 16)).round().astype(int)):
        if np.any(np.asarray(volume[int(z) : int(z) + 1])):
            return False
    return True


def label_is_empty(volume: Any) -> bool:
    """True when every voxel of `volume` is zero: sampled sections first, then (only when
    they are all zero) slabs of <= SCAN_BYTES up to the first labelled voxel."""
    if not _sampled_sections_empty(volume):
        return False
    shape = tuple(int(s) for s in volume.shape)
    section = max(1, int(np.prod(shape[1:])) * np.dtype(volume.dtype).itemsize)
    step = max(1, SCAN_BYTES // section)
    return not any(
        np.any(np.asarray(volume[z : min(z + step, shape[0])])) for z in range(0, shape[0], step)
    )


def warn_empty_labels(sources: Any) -> list[str]:
    """Warn (EmptyLabelWarning, once per volume and process) for each source whose label is
    all zero; returns the names warned about this time."""
    named = []
    for source in sources:
        label = source.label
        if label is None:
            continue
        where = getattr(label, "path", None) or source.name
        key = getattr(label, "key", None)
        where = f"{where}:{key}" if key else str(where)
        if where in _warned or not label_is_empty(label):
            continue
        _warned.add(where)
        named.append(where)
        warnings.warn(
            f"training label {where} ({source.name}) is zero everywhere: its crops hold no "
            "foreground and teach only background; check data.train_label (and data.label_key)",
            EmptyLabelWarning,
            stacklevel=2,
        )
    return named
