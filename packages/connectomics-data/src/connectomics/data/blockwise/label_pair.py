"""The segmentation and ground-truth volumes a blockwise evaluation compares, checked once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from connectomics.data.blockwise.block_grid import DEFAULT_BLOCK, BlockGrid
from connectomics.data.errors import DataError
from connectomics.data.io.open import open_volume
from connectomics.data.io.volume import Volume


@dataclass(frozen=True)
class PairJob:
    """The two volumes compared and their block grid (picklable)."""

    seg: Volume
    gt: Volume
    grid: BlockGrid
    seg_channel: bool


def _open(volume: str | Path | Volume | np.ndarray) -> Volume:
    return volume if isinstance(volume, Volume) else open_volume(volume)


def open_pair(
    seg: str | Path | Volume | np.ndarray,
    gt: str | Path | Volume | np.ndarray,
    block_size: int | Sequence[int] = DEFAULT_BLOCK,
) -> PairJob:
    """The two label volumes opened, checked (same shape, integer labels) and gridded."""
    seg_volume, gt_volume = _open(seg), _open(gt)
    seg_channel = seg_volume.ndim == gt_volume.ndim + 1 and seg_volume.shape[0] == 1
    seg_shape = seg_volume.shape[1:] if seg_channel else seg_volume.shape
    if tuple(seg_shape) != tuple(gt_volume.shape):
        raise DataError(
            f"the segmentation has shape {seg_volume.shape} but the ground truth has shape "
            f"{gt_volume.shape}; evaluate a segmentation of the same volume"
        )
    for name, volume in (("segmentation", seg_volume), ("ground truth", gt_volume)):
        if np.dtype(volume.dtype).kind not in "uib":
            raise DataError(
                f"instance metrics need integer labels but the {name} {volume!r} holds "
                f"{volume.dtype}; decode the prediction first (`connectomics decode`)"
            )
    return PairJob(seg_volume, gt_volume, BlockGrid.build(gt_volume.shape, block_size), seg_channel)
