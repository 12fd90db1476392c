"""`build_target_transform(cfg)`: all entries of data.targets as one MapTransform."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
from monai.transforms import MapTransform

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config, DataConfig, TargetConfig
from connectomics.data.targets.base import LabelTargetd, as_like, sample_label_and_mask
from connectomics.data.targets.registry import TARGET_REGISTRY
from connectomics.data.targets.weights import class_balanced_weights


class TargetStackd(MapTransform):
    """Concatenate several label targets: writes `target`, `weight` and `valid` (C, *spatial)."""

    def __init__(
        self,
        targets: Sequence[LabelTargetd],
        class_balanced: bool = False,
        label_key: str = "label",
        mask_key: str = "mask",
    ) -> None:
        super().__init__(label_key)
        self.targets = list(targets)
        self.class_balanced = class_balanced
        self.mask_key = mask_key

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        """Add the stacked target, its weights and its validity; keep every other entry."""
        sample = dict(data)
        key = self.keys[0]
        label, mask = sample_label_and_mask(sample, key, self.mask_key, "targets")
        parts = [t.compute_with_mask(label, mask) for t in self.targets]
        target = np.concatenate([p[0] for p in parts])
        valid = np.concatenate([p[1] for p in parts])
        if self.class_balanced:
            weight = class_balanced_weights(target, valid)
        else:
            weight = np.ones_like(target)
        like = sample[key]
        sample["target"] = as_like(target, like)
        sample["weight"] = as_like(weight, like)
        sample["valid"] = as_like(valid, like)
        return sample


def build_target(name: str, kwargs: Mapping[str, Any] | None = None) -> LabelTargetd:
    """One registered target transform from its config name and kwargs."""
    cls = TARGET_REGISTRY.lookup(name)
    try:
        from connectomics.config.physical import voxel_kwargs

        return cls(**voxel_kwargs(kwargs or {}))
    except TypeError as error:
        raise ConfigError(f"data.targets: bad kwargs for target {name!r}: {error}") from None


def build_target_transform(cfg: Config | DataConfig) -> TargetStackd:
    """The transform turning `label` (and `mask`) into target, weight and valid for `cfg`.

    Accepts the full config or its `data` section. For 2D patches, affinity targets without
    explicit offsets use the 2D nearest-neighbour offsets.
    """
    data = cfg.data if hasattr(cfg, "data") else cfg
    entries = list(data.targets)  # at least one, by the schema
    targets = []
    for entry in entries:
        if isinstance(entry, Mapping):
            entry = TargetConfig.model_validate(entry)
        targets.append(build_target(entry.name, dict(entry.kwargs)))
    return TargetStackd(targets, class_balanced=bool(data.class_balanced_weights))
