"""The voxel size (nm, z-y-x): what a volume file records, and what outputs are written with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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


def output_voxel_size(
    configured: Sequence[float] | None, source: Any
) -> tuple[tuple[float, float, float] | None, str]:
    """The voxel size written with outputs, and where it came from.

    The configured value (``data.voxel_size``) wins; else the one the input `source` (a Volume
    or a volume spec) records; else None ("unknown"): outputs then carry no voxel size.
    """
    if configured is not None:
        z, y, x = (float(v) for v in configured)
        return (z, y, x), "data.voxel_size"
    if isinstance(source, str):
        try:
            return read_voxel_size(source), "the input"
        except Exception:  # an unreadable input is reported where it is opened
            return None, "unknown"
    size = getattr(source, "voxel_size", None)
    if size is not None and len(size) >= 3 and min(size[-3:]) > 0:
        z, y, x = (float(v) for v in size[-3:])
        return (z, y, x), "the input"
    return None, "unknown"


def describe_voxel_size(size: Sequence[float] | None, origin: str) -> str:
    """One line for the user: the voxel size outputs carry, or how to give one."""
    if size is None:
        return "voxel size: unknown (the input records none); set data.voxel_size=[z,y,x] in nm"
    return f"voxel size: {' x '.join(f'{v:g}' for v in size)} nm (z y x, from {origin})"
