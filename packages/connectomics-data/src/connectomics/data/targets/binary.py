"""Binary foreground target."""

from __future__ import annotations

import numpy as np

from connectomics.data.targets.base import LabelTargetd
from connectomics.data.targets.registry import register_target


@register_target("binary")
class BinaryTargetd(LabelTargetd):
    """One channel: 1 where the label is nonzero."""

    def compute(
        self, label: np.ndarray, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The foreground channel."""
        return (label != 0)[None].astype(np.float32), None
