"""Split a volume into train and validation ranges along one axis, without reading it."""

from __future__ import annotations

from connectomics.data.errors import DataError
from connectomics.data.io.volume import Volume, VolumeView


def split_range(size: int, fraction: float, min_size: int = 1) -> tuple[range, range]:
    """(train, val) index ranges: validation is the last ``fraction``, both parts at least
    ``min_size`` long (e.g. one patch, so crops fit in either part)."""
    if fraction is None or not 0.0 < float(fraction) < 1.0:
        raise DataError(f"data.val_split must be a fraction in (0, 1), got {fraction}")
    n_val = max(int(min_size), 1, round(size * float(fraction)))
    if size - n_val < max(int(min_size), 1):
        raise DataError(
            f"cannot split an axis of {size} voxels into train and validation parts of at least "
            f"{min_size} each; lower data.patch_size or use a separate data.val_image"
        )
    return range(0, size - n_val), range(size - n_val, size)


def split_volume(
    volume: Volume, fraction: float, axis: int = 0, min_size: int = 1
) -> tuple[VolumeView, VolumeView]:
    """Lazy (train, val) views of ``volume``: disjoint ranges along ``axis`` that cover it;
    each part is at least ``min_size`` long."""
    if not -volume.ndim <= axis < volume.ndim:
        raise DataError(f"data.split_axis {axis} is invalid for a {volume.ndim}-d volume")
    axis %= volume.ndim
    train, val = split_range(volume.shape[axis], fraction, min_size)
    views = []
    for part in (train, val):
        region = [slice(None)] * volume.ndim
        region[axis] = slice(part.start, part.stop)
        views.append(VolumeView(volume, tuple(region)))
    return views[0], views[1]
