"""Binary + contour (+ instance distance) targets used for mitochondria instances."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.targets.base import LabelTargetd
from connectomics.data.targets.boundary import BOUNDARY_MODES, compute_boundary
from connectomics.data.targets.distance import instance_distance
from connectomics.data.targets.registry import register_target


@register_target("binary_contour")
class BinaryContourTargetd(LabelTargetd):
    """Two channels: foreground and instance contours (kwargs thickness, mode, per_section)."""

    def __init__(
        self, thickness: int = 1, mode: str = "inner", per_section: bool = False, **keys: str
    ) -> None:
        super().__init__(**keys)
        if mode not in BOUNDARY_MODES:
            raise DataError(f"contour mode must be one of {BOUNDARY_MODES}, got {mode!r}")
        self.thickness = int(thickness)
        self.mode = mode
        self.per_section = bool(per_section)

    def channels(self, label: np.ndarray) -> list[np.ndarray]:
        """Foreground and contour maps."""
        contour = compute_boundary(label, self.thickness, self.mode, self.per_section)
        return [label != 0, contour]

    def compute(
        self, label: np.ndarray, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Foreground and contour channels."""
        return np.stack(self.channels(label)).astype(np.float32), None


@register_target("binary_contour_distance")
class BinaryContourDistanceTargetd(BinaryContourTargetd):
    """Three channels: foreground, contour and per-instance normalised distance."""

    def __init__(
        self,
        thickness: int = 1,
        mode: str = "inner",
        per_section: bool = False,
        sampling: Sequence[float] | None = None,
        **keys: str,
    ) -> None:
        super().__init__(thickness, mode, per_section, **keys)
        self.sampling = None if sampling is None else [float(s) for s in sampling]

    def compute(
        self, label: np.ndarray, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Foreground, contour and distance channels."""
        channels = self.channels(label) + [instance_distance(label, self.sampling)]
        return np.stack(channels).astype(np.float32), None
