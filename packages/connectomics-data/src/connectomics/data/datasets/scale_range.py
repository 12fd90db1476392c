"""The intensity range data.normalize="scale" maps to [0, 1], by dtype and by the values held.

8- and 16-bit integers (and bools) use their dtype's range. Wider integers and floats are
scaled by the values they hold, decided once per volume from sampled sections: floats within
[0, 1] stay as they are; integer values within [0, 255] or [0, 65535] (in any dtype, e.g. an
int64 or float64 array of uint8 values) use that range; anything else is warned about once
per volume (ScaleRangeWarning), a float volume is left as it is and an integer one is mapped
from its sampled minimum and maximum.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from connectomics.data.datasets.sampling import sample_values

# Value ranges of 8- and 16-bit images; wider dtypes holding values in one of them use it.
USUAL_RANGES = ((0.0, 255.0), (0.0, 65535.0))
_warned: set[str] = set()


class ScaleRangeWarning(UserWarning):
    """An image's values do not fit its dtype's usual range for data.normalize=scale."""


def dtype_range(dtype: np.dtype) -> tuple[float, float] | None:
    """The range of a bool or 8/16-bit integer dtype (None for wider integers and floats)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return (0.0, 1.0)
    if dtype.kind in "iu" and dtype.itemsize <= 2:
        info = np.iinfo(dtype)
        return (float(info.min), float(info.max))
    return None


def range_of_values(dtype: np.dtype, values: np.ndarray, where: str) -> tuple[float, float]:
    """The scale range for `values` of `dtype` (the module rule); warns when they fit no
    usual range."""
    fixed = dtype_range(dtype)
    if fixed is not None:
        return fixed
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (0.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    is_float = np.dtype(dtype).kind == "f"
    if is_float and low >= 0.0 and high <= 1.0:
        return (0.0, 1.0)
    integral = not is_float or bool(np.all(finite == np.round(finite)))
    for usual in USUAL_RANGES:
        if integral and low >= usual[0] and high <= usual[1]:
            return usual
    kept = "left as they are" if is_float else f"mapped from [{low:g}, {high:g}] to [0, 1]"
    if where not in _warned:
        _warned.add(where)
        warnings.warn(
            f"{where}: {np.dtype(dtype)} values span [{low:g}, {high:g}], outside the usual "
            f"{'[0, 1] of floats' if is_float else 'ranges [0, 255] and [0, 65535]'}; "
            f"data.normalize=scale leaves them {kept}; set data.normalize=percentile (or "
            "zscore) to normalise them by their statistics",
            ScaleRangeWarning,
            stacklevel=3,
        )
    return (0.0, 1.0) if is_float else (low, high if high > low else low + 1.0)


def volume_scale_range(volume: Any, where: str | None = None) -> tuple[float, float]:
    """The scale range of a lazy volume: its dtype's, or that of values from <= 16 sections."""
    fixed = dtype_range(volume.dtype)
    if fixed is not None:
        return fixed
    name = where or str(getattr(volume, "path", None) or "the image volume")
    return range_of_values(volume.dtype, sample_values(volume), name)


def block_scale_range(block: np.ndarray) -> tuple[float, float]:
    """The scale range of an in-memory array by its own values (no volume range known)."""
    fixed = dtype_range(block.dtype)
    if fixed is not None:
        return fixed
    return range_of_values(block.dtype, block.astype(np.float64).ravel(), "the image")
