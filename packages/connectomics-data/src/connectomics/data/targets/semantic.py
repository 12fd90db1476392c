"""Semantic classes as a float one-hot target (one channel per class)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.targets.base import LabelTargetd
from connectomics.data.targets.registry import register_target


@register_target("semantic")
class SemanticTargetd(LabelTargetd):
    """`num_classes` one-hot channels; `values` maps raw label values to classes 0..n-1."""

    def __init__(
        self, num_classes: int = 2, values: Sequence[int] | None = None, **keys: str
    ) -> None:
        super().__init__(**keys)
        if int(num_classes) < 1:
            raise DataError(f"semantic num_classes must be >= 1, got {num_classes}")
        if values is not None and len(values) != int(num_classes):
            raise DataError(
                f"semantic values {list(values)} must list one raw label value per class "
                f"({num_classes})"
            )
        self.num_classes = int(num_classes)
        self.values = None if values is None else [int(v) for v in values]

    def compute(
        self, label: np.ndarray, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """One-hot channels of the class of each voxel."""
        values = self.values if self.values is not None else range(self.num_classes)
        onehot = np.stack([label == v for v in values]).astype(np.float32)
        known = onehot.sum(axis=0) > 0
        if not known.all():
            strays = np.unique(label[~known])[:5].tolist()
            raise DataError(
                f"semantic label values {strays} are not among the classes {list(values)}: "
                "raise num_classes or list the raw values per class in kwargs.values"
            )
        return onehot, None
