"""The regular block grid of a blockwise job: block boxes, halos and owner blocks of voxels."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.sizing import require_grid

# Block side (voxels per spatial axis) of blockwise work when decoding.block_size is unset.
DEFAULT_BLOCK = 128

Box = tuple[tuple[int, int], ...]  # (start, stop) per spatial axis


def as_slices(box: Box) -> tuple[slice, ...]:
    """The (start, stop) pairs of a box as slices."""
    return tuple(slice(start, stop) for start, stop in box)


@dataclass(frozen=True)
class BlockGrid:
    """Blocks of `block` voxels (the last ones along an axis may be smaller) tiling `shape`."""

    shape: tuple[int, ...]
    block: tuple[int, ...]

    @classmethod
    def build(cls, shape: Sequence[int], block_size: int | Sequence[int]) -> BlockGrid:
        """A grid over spatial `shape`; one block size for every axis or one per axis."""
        shape = tuple(int(s) for s in shape)
        sizes = [block_size] * len(shape) if isinstance(block_size, int) else list(block_size)
        if len(sizes) != len(shape) or any(int(s) < 1 for s in sizes):
            raise DataError(
                f"block size {list(sizes) if not isinstance(block_size, int) else block_size} "
                f"does not fit a {len(shape)}D volume of shape {shape}; give one positive size "
                f"per axis, e.g. decoding.block_size={[min(s, DEFAULT_BLOCK) for s in shape]}"
            )
        block = tuple(min(int(b), s) for b, s in zip(sizes, shape))
        require_grid(
            "the volume",
            shape,
            block,
            "blockwise processing",
            "give a larger block size (--block-size or decoding.block_size) or a crop",
        )
        return cls(shape, block)

    @property
    def blocks_per_axis(self) -> tuple[int, ...]:
        """Number of blocks along each axis."""
        return tuple(math.ceil(s / b) for s, b in zip(self.shape, self.block))

    @cached_property
    def boxes(self) -> list[Box]:
        """Every block's box in C order (the index is the block id)."""
        # not inference.window_grid.chunk_boxes: importing the inference package imports torch
        ranges = [
            [(start, min(start + b, s)) for start in range(0, s, b)]
            for s, b in zip(self.shape, self.block)
        ]
        return [tuple(box) for box in itertools.product(*ranges)]

    def __len__(self) -> int:
        return len(self.boxes)

    def grown(self, box: Box, halo: int) -> Box:
        """`box` grown by `halo` voxels on every side, clipped to the volume."""
        return tuple(
            (max(start - halo, 0), min(stop + halo, size))
            for (start, stop), size in zip(box, self.shape)
        )

    def owner_ids(self, box: Box) -> np.ndarray:
        """Id of the block owning each voxel of `box` (an int64 array of the box's shape)."""
        per_axis = [np.arange(start, stop) // b for (start, stop), b in zip(box, self.block)]
        grids = np.meshgrid(*per_axis, indexing="ij")
        return np.ravel_multi_index(grids, self.blocks_per_axis).astype(np.int64)
