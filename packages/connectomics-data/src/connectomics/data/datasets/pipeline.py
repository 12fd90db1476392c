"""The sample transform pipeline: augmentations (training only) then targets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectomics.config.schema import Config
from connectomics.data.augment import build_augmentations
from connectomics.data.targets import build_target_transform


class Pipeline:
    """Apply transforms in order to a sample dict (picklable for DataLoader workers)."""

    def __init__(self, transforms: list[Callable[[dict[str, Any]], dict[str, Any]]]) -> None:
        self.transforms = transforms

    def __call__(self, sample: dict[str, Any]) -> dict[str, Any]:
        for transform in self.transforms:
            sample = transform(sample)
        return sample


def build_pipeline(cfg: Config, train: bool) -> Pipeline:
    """Augmentations (when ``train``) followed by the target transform of ``cfg``."""
    transforms = [build_augmentations(cfg)] if train else []
    transforms.append(build_target_transform(cfg))
    return Pipeline(transforms)
