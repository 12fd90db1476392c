"""Seeding of DataLoader workers: each worker draws its own augmentations."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch


def seed_worker(worker_id: int) -> None:
    """Seed python, numpy and the dataset's MONAI transforms from this worker's torch seed.

    Workers start with copies of the same transform random state, so without this every
    worker would apply identical "random" augmentations.
    """
    seed = torch.initial_seed() % 2**32
    random.seed(seed)
    np.random.seed(seed)
    info = torch.utils.data.get_worker_info()
    if info is not None:
        reseed_transforms(getattr(info.dataset, "transform", None), seed)


def reseed_transforms(transform: Any, seed: int) -> None:
    """Give every MONAI randomizable transform inside `transform` a random state from `seed`."""
    from monai.transforms import Randomizable

    stack, seen = [transform], set()
    offset = 0
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, Randomizable):
            item.set_random_state(seed=(seed + offset) % 2**32)
            offset += 1
        stack.extend(getattr(item, "transforms", None) or [])
