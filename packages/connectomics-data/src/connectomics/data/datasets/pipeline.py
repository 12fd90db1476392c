"""The sample transform pipeline: augmentations (training only) then targets."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from typing import Any


class Pipeline:
    """Apply transforms in order to a sample dict (picklable for DataLoader workers)."""

    def __init__(self, transforms: list[Callable[[dict[str, Any]], dict[str, Any]]]) -> None:
        self.transforms = transforms

    def __call__(self, sample: dict[str, Any]) -> dict[str, Any]:
        for transform in self.transforms:
            sample = transform(sample)
        return sample


def _optional_builder(module: str, name: str) -> Callable[[Any], Any] | None:
    """``module.name`` when that module is installed (it is developed separately)."""
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as error:
        if error.name is not None and module.startswith(error.name):
            warnings.warn(f"{module} is unavailable; samples skip that stage", stacklevel=3)
            return None
        raise


def build_pipeline(cfg: Any, train: bool) -> Pipeline:
    """Augmentations (when ``train``) followed by the target transform of ``cfg``."""
    transforms = []
    if train:
        build_augmentations = _optional_builder("connectomics.data.augment", "build_augmentations")
        if build_augmentations is not None:
            transforms.append(build_augmentations(cfg))
    build_target_transform = _optional_builder(
        "connectomics.data.targets", "build_target_transform"
    )
    if build_target_transform is not None:
        transforms.append(build_target_transform(cfg))
    return Pipeline(transforms)
