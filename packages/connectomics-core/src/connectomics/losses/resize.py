"""Resizing targets, weights and masks to the resolution of a deep-supervision output."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

LINEAR_MODES = {1: "linear", 2: "bilinear", 3: "trilinear"}


def resize_nearest(tensor: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """Nearest-neighbour resize of a (B, C, *spatial) label, weight or mask."""
    if tuple(tensor.shape[2:]) == tuple(size):
        return tensor
    return F.interpolate(tensor, size=tuple(size), mode="nearest")


def resize_continuous(tensor: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """Area average when shrinking (linear when growing) a continuous target such as distances."""
    if tuple(tensor.shape[2:]) == tuple(size):
        return tensor
    if all(s <= t for s, t in zip(size, tensor.shape[2:])):
        return F.interpolate(tensor, size=tuple(size), mode="area")
    mode = LINEAR_MODES[tensor.dim() - 2]
    return F.interpolate(tensor, size=tuple(size), mode=mode, align_corners=False)


def resize_target(
    target: torch.Tensor, size: Sequence[int], continuous: Sequence[bool]
) -> torch.Tensor:
    """Resize every channel of `target`: averaged where `continuous[c]`, nearest elsewhere."""
    if tuple(target.shape[2:]) == tuple(size):
        return target
    if not any(continuous):
        return resize_nearest(target, size)
    if all(continuous):
        return resize_continuous(target, size)
    nearest = resize_nearest(target, size)
    smooth = resize_continuous(target, size)
    select = torch.tensor(list(continuous), device=target.device)
    select = select.view(1, -1, *([1] * len(size)))
    return torch.where(select, smooth, nearest)
