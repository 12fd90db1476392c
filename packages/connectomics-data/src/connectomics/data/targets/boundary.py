"""Instance boundaries (contours) of a chosen thickness, in 3D or per 2D section."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from connectomics.data.errors import DataError
from connectomics.data.targets.base import LabelTargetd
from connectomics.data.targets.registry import register_target

BOUNDARY_MODES = ("inner", "outer", "thick")


def _footprint(ndim: int, radius: int, per_section: bool) -> np.ndarray:
    """City-block ball of `radius`; flat in z (one section) when `per_section`."""
    footprint = ndi.iterate_structure(ndi.generate_binary_structure(ndim, 1), radius)
    if per_section and ndim == 3:
        flat = np.zeros_like(footprint)
        flat[radius] = footprint[radius]
        footprint = flat
    return footprint


def compute_boundary(
    label: np.ndarray, thickness: int = 1, mode: str = "thick", per_section: bool = False
) -> np.ndarray:
    """Boolean (*spatial) map of voxels within `thickness` of a change of id.

    `thick`: both sides of every change; `inner`: only voxels inside objects; `outer`: voxels
    outside objects plus the voxels of objects that touch another object. `per_section` looks
    for changes inside each z section only (for anisotropic stacks).
    """
    if mode not in BOUNDARY_MODES:
        raise DataError(f"boundary mode must be one of {BOUNDARY_MODES}, got {mode!r}")
    if int(thickness) < 1:
        raise DataError(f"boundary thickness must be >= 1, got {thickness}")
    footprint = _footprint(label.ndim, int(thickness), per_section)
    # mode="nearest" so the crop border itself never counts as a change of id.
    high = ndi.grey_dilation(label, footprint=footprint, mode="nearest")
    low = ndi.grey_erosion(label, footprint=footprint, mode="nearest")
    changes = high != low
    if mode == "thick":
        return changes
    inside = label != 0
    if mode == "inner":
        return changes & inside
    # outer: background next to objects, and objects touching a different nonzero id.
    big = np.iinfo(label.dtype).max if np.issubdtype(label.dtype, np.integer) else np.inf
    low_nonzero = ndi.grey_erosion(
        np.where(inside, label, big), footprint=footprint, mode="nearest"
    )
    touching = inside & ((high > label) | (low_nonzero < label))
    return (changes & ~inside) | touching


@register_target("boundary")
class BoundaryTargetd(LabelTargetd):
    """One channel: 1 on instance boundaries (kwargs thickness, mode, per_section)."""

    def __init__(
        self, thickness: int = 1, mode: str = "thick", per_section: bool = False, **keys: str
    ) -> None:
        super().__init__(**keys)
        if mode not in BOUNDARY_MODES:
            raise DataError(f"boundary mode must be one of {BOUNDARY_MODES}, got {mode!r}")
        self.thickness = int(thickness)
        self.mode = mode
        self.per_section = bool(per_section)

    def compute(
        self, label: np.ndarray, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The boundary channel."""
        edges = compute_boundary(label, self.thickness, self.mode, self.per_section)
        return edges[None].astype(np.float32), None
