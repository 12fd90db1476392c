"""Lazy volume IO: HDF5, Zarr (v2/v3), TIFF stacks, PNG slice folders and .npy files."""

from connectomics.data.io.open import container_keys, open_volume, open_volume_auto, read_volume
from connectomics.data.io.volume import ArrayVolume, Volume, VolumeView
from connectomics.data.io.writing import WritableVolume, create_volume, write_volume

__all__ = [
    "ArrayVolume",
    "Volume",
    "VolumeView",
    "WritableVolume",
    "create_volume",
    "container_keys",
    "open_volume",
    "open_volume_auto",
    "read_volume",
    "write_volume",
]
