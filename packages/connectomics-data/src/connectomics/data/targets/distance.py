"""Instance-wise (normalised per instance) and semantic (signed, tanh-scaled) distance maps."""

from __future__ import annotations

from collections.abc import Sequence

import edt
import fastremap
import numpy as np
from scipy import ndimage as ndi

from connectomics.data.errors import DataError
from connectomics.data.targets.base import LabelTargetd
from connectomics.data.targets.registry import register_target

DISTANCE_MODES = ("instance", "semantic")


def _sampling(sampling: Sequence[float] | None, ndim: int) -> tuple[float, ...]:
    if sampling is None:
        return (1.0,) * ndim
    sampling = tuple(float(s) for s in sampling)
    if len(sampling) != ndim or min(sampling) <= 0:
        raise DataError(
            f"distance sampling must give one positive voxel size per axis ({ndim}), "
            f"got {list(sampling)}"
        )
    return sampling


def instance_distance(
    label: np.ndarray, sampling: Sequence[float] | None = None, black_border: bool = False
) -> np.ndarray:
    """Distance to each instance's boundary, divided by that instance's maximum (0 outside).

    `black_border` treats the crop border as background (objects cut by the crop shrink).
    """
    label = np.ascontiguousarray(label)
    dist = edt.edt(
        label, anisotropy=_sampling(sampling, label.ndim), black_border=black_border, parallel=1
    ).astype(np.float32)
    relabelled, remap = fastremap.renumber(label, in_place=False)
    count = len(remap) - (1 if 0 in remap else 0)
    if count == 0:
        return np.zeros(label.shape, np.float32)
    maxima = np.asarray(ndi.maximum(dist, relabelled, np.arange(1, count + 1)), np.float32)
    scale = np.concatenate([[1.0], np.where(maxima > 0, maxima, 1.0)]).astype(np.float32)
    return np.where(relabelled > 0, dist / scale[relabelled], 0.0).astype(np.float32)


def semantic_distance(
    foreground: np.ndarray, sampling: Sequence[float] | None = None, alpha: float = 8.0
) -> np.ndarray:
    """Signed distance: tanh(d/alpha) inside the foreground, -tanh(d/alpha) outside."""
    if alpha <= 0:
        raise DataError(f"distance alpha (the tanh scale in voxels) must be > 0, got {alpha}")
    spacing = _sampling(sampling, foreground.ndim)
    fg = np.ascontiguousarray(foreground, dtype=np.uint8)
    if fg.all() or not fg.any():
        return np.full(fg.shape, 1.0 if fg.all() else -1.0, np.float32)
    inside = edt.edt(fg, anisotropy=spacing, black_border=False, parallel=1)
    outside = edt.edt(1 - fg, anisotropy=spacing, black_border=False, parallel=1)
    return (np.tanh(inside / alpha) - np.tanh(outside / alpha)).astype(np.float32)


@register_target("distance")
class DistanceTargetd(LabelTargetd):
    """One channel: instance distance in [0, 1] or signed semantic distance in (-1, 1)."""

    def __init__(
        self,
        mode: str = "instance",
        sampling: Sequence[float] | None = None,
        alpha: float = 8.0,
        black_border: bool = False,
        **keys: str,
    ) -> None:
        super().__init__(**keys)
        if mode not in DISTANCE_MODES:
            raise DataError(f"distance mode must be one of {DISTANCE_MODES}, got {mode!r}")
        self.mode = mode
        self.sampling = None if sampling is None else [float(s) for s in sampling]
        self.alpha = float(alpha)
        self.black_border = bool(black_border)

    def compute(
        self, label: np.ndarray, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The distance channel."""
        if self.mode == "instance":
            dist = instance_distance(label, self.sampling, self.black_border)
        else:
            dist = semantic_distance(label > 0, self.sampling, self.alpha)
        return dist[None], None
