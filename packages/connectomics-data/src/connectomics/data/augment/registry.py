"""`AUGMENTATION_REGISTRY`: config name -> factory(cfg_section, keys, spatial_dims) -> transform.

`keys` is (image, label, mask): the first key is the image, the others are label-like (moved
with nearest interpolation, never changed in intensity). A factory returns None when the
augmentation does not apply to `spatial_dims` (e.g. section misalignment on 2D samples).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

AugmentationFactory = Callable[[Mapping[str, Any], Sequence[str], int], Any]

AUGMENTATION_REGISTRY: dict[str, AugmentationFactory] = {}


def register_augmentation(name: str) -> Callable[[AugmentationFactory], AugmentationFactory]:
    """Decorator: register an augmentation factory under its data.augmentation section name."""

    def decorator(factory: AugmentationFactory) -> AugmentationFactory:
        AUGMENTATION_REGISTRY[name] = factory
        return factory

    return decorator


def list_augmentations() -> list[str]:
    """Names of all registered augmentations, sorted."""
    return sorted(AUGMENTATION_REGISTRY)
