"""Flip / y-x transpose test-time augmentations of a (B, C, *spatial) batch and their inverses."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch

from connectomics.data.inference.options import OptionError


@dataclass(frozen=True)
class Augmentation:
    """Flip the given tensor dims, then optionally swap the last two (y, x)."""

    flip_dims: tuple[int, ...] = ()
    transpose: bool = False

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        """Augment a batch (returns the input itself for the identity)."""
        if self.flip_dims:
            x = torch.flip(x, self.flip_dims)
        if self.transpose:
            x = x.transpose(-1, -2)
        return x

    def invert(self, y: torch.Tensor) -> torch.Tensor:
        """Map a model output of the augmented batch back to the original frame."""
        if self.transpose:
            y = y.transpose(-1, -2)
        if self.flip_dims:
            y = torch.flip(y, self.flip_dims)
        return y


def build_tta_transforms(
    ndim: int,
    window: tuple[int, ...],
    flip: bool,
    transpose: bool,
    flip_axes: tuple[int, ...] | None = None,
) -> list[Augmentation]:
    """All combinations of flips along `flip_axes` (spatial axes, default all: 2**ndim) and the
    y-x transpose; identity first. The model runs once per returned augmentation."""
    if transpose and window[-1] != window[-2]:
        raise OptionError(
            f"inference.tta_transpose needs a window with equal y and x sizes, got "
            f"{list(window)}; make them equal or set tta_transpose=false"
        )
    axes = tuple(range(ndim)) if flip_axes is None else tuple(flip_axes)
    spatial_dims = tuple(2 + a for a in axes)
    flips: list[tuple[int, ...]] = [()]
    if flip:
        flips = [
            dims for r in range(len(axes) + 1) for dims in itertools.combinations(spatial_dims, r)
        ]
    transposes = (False, True) if transpose else (False,)
    return [Augmentation(f, t) for t in transposes for f in flips]
