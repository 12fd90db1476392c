"""`read_voxel_size`: the voxel size (nm, z-y-x) a volume file records, if any."""

from __future__ import annotations

from connectomics.data.io.open import open_volume_auto
from connectomics.data.io.volume import Volume


def read_voxel_size(spec: str) -> tuple[float, float, float] | None:
    """Voxel size in nm (z, y, x) stored with the volume at `spec` ("file.h5:key" etc.), or None.

    The readers take it from HDF5 `voxel_size`/`resolution` attributes, TIFF resolution tags
    and Zarr attributes; a 2D or missing record gives None.
    """
    return volume_voxel_size(open_volume_auto(spec, ("raw", "image", "main", "volumes/raw")))


def volume_voxel_size(volume: Volume) -> tuple[float, float, float] | None:
    """Voxel size in nm (z, y, x) an opened volume's file records, or None."""
    size = getattr(volume, "voxel_size", None)
    if size is None or len(size) < 3:
        return None
    z, y, x = (float(v) for v in size[-3:])
    if min(z, y, x) <= 0:
        return None
    return (z, y, x)
