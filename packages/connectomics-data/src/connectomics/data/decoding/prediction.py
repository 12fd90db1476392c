"""Checks and conversions of prediction arrays shared by the decoders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from connectomics.data.errors import DataError


def as_probabilities(prediction: Any, name: str) -> np.ndarray:
    """A (C, *spatial) float32 array in [0, 1]; uint8 0..255 is rescaled."""
    array = np.asarray(prediction)
    if array.ndim not in (3, 4):
        raise DataError(
            f"decoder {name!r} expects a prediction of shape (C, Z, Y, X) or (C, Y, X), got "
            f"shape {array.shape}; add a channel axis with prediction[None] for one channel"
        )
    if array.dtype == np.uint8:
        return array.astype(np.float32) / np.float32(255)
    if array.dtype.kind not in "fiub":
        raise DataError(
            f"decoder {name!r} expects float probabilities or uint8 0..255, got dtype {array.dtype}"
        )
    return array.astype(np.float32, copy=False)


def take_channels(
    prediction: np.ndarray, channels: Sequence[int] | None, count: int | None, name: str
) -> np.ndarray:
    """The channels a decoder reads (`channels`, else the first `count`), checked to exist."""
    available = prediction.shape[0]
    wanted = list(channels) if channels is not None else list(range(count or available))
    if not wanted or max(wanted) >= available or min(wanted) < -available:
        raise DataError(
            f"decoder {name!r} needs channels {wanted} but the prediction has {available} "
            f"channel(s) (shape {prediction.shape}); set decoding.kwargs.channels to existing ones"
        )
    return prediction[wanted]


def check_offsets(offsets: Sequence[Sequence[int]], ndim: int, channels: int, name: str) -> None:
    """DataError unless there is one `ndim`-entry offset per affinity channel."""
    if len(offsets) != channels or any(len(o) != ndim for o in offsets):
        raise DataError(
            f"decoder {name!r}: {channels} affinity channel(s) of a {ndim}D volume need "
            f"{channels} offsets of {ndim} entries each, got {list(map(list, offsets))}; set "
            "decoding.kwargs.offsets (and channels) to match the affinity target"
        )
