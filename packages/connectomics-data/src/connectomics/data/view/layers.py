"""What each volume becomes in the viewer: an image, a multi-channel prediction or labels."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.io.open import open_volume_auto
from connectomics.data.io.paths import split_key
from connectomics.data.io.volume import Volume
from connectomics.data.io.voxel_size import volume_voxel_size

# the keys a container without one in its path is opened at, first present wins
PREFERRED_KEYS = ("raw", "image", "prediction", "segmentation", "label", "main")
# image dtypes; every other integer dtype is shown as segment labels
IMAGE_KINDS = ("uint8", "float16", "float32", "float64")
# neuroglancer's segmentation layers take unsigned ids only
SEGMENT_DTYPES = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


class LazyCast:
    """A volume read chunk by chunk and cast per chunk (nothing is read up front)."""

    def __init__(self, volume: Volume, dtype: Any, channel: int | None = None) -> None:
        self.volume = volume
        self.channel = channel
        self.dtype = np.dtype(dtype)
        self.shape = tuple(volume.shape[1:] if channel is not None else volume.shape)

    def __getitem__(self, index: Any) -> np.ndarray:
        index = index if isinstance(index, tuple) else (index,)
        if self.channel is not None:
            index = (self.channel, *index)
        return np.asarray(self.volume[index]).astype(self.dtype, copy=False)


@dataclass
class LayerSpec:
    """One viewer layer: its name, kind, lazily read data and voxel size (nm, z-y-x)."""

    name: str
    kind: str  # "image", "prediction" or "segmentation"
    data: Any
    voxel_size: tuple[float, float, float] | None
    channels: int = 1


def layer_name(spec: str, taken: set[str]) -> str:
    """A short unique layer name from a volume spec (file stem plus key)."""
    file, key = split_key(spec)
    stem = Path(file.rstrip("/")).name
    for suffix in (".ome.zarr", ".zarr", ".h5", ".hdf5", ".tif", ".tiff", ".npy"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    name = f"{stem}:{key.strip('/')}" if key else stem
    base, n = name, 2
    while name in taken:
        name, n = f"{base} ({n})", n + 1
    taken.add(name)
    return name


def classify(volume: Volume, where: str) -> tuple[str, Any, int]:
    """The kind of layer for `volume` and the array-like the server reads it from."""
    dtype = np.dtype(volume.dtype)
    if volume.ndim == 4:
        channels = int(volume.shape[0])
        if channels == 1:
            return classify_3d(LazyCast(volume, dtype, channel=0), dtype)
        return "prediction", volume, channels
    if volume.ndim != 3:
        raise DataError(f"{where} has {volume.ndim} axes; view takes (Z, Y, X) or (C, Z, Y, X)")
    return classify_3d(volume, dtype)


def classify_3d(data: Any, dtype: np.dtype) -> tuple[str, Any, int]:
    """Image for uint8 and float volumes, segmentation for every other integer or bool."""
    if dtype.name in IMAGE_KINDS:
        return "image", data, 1
    if dtype.kind == "b":
        return "segmentation", LazyCast(data, np.uint8) if isinstance(data, Volume) else data, 1
    target = np.dtype(SEGMENT_DTYPES[dtype.itemsize])
    if dtype == target:
        return "segmentation", data, 1
    if isinstance(data, LazyCast):
        data.dtype = target
        return "segmentation", data, 1
    return "segmentation", LazyCast(data, target), 1


def layer_specs(
    volumes: list[str], voxel_size: tuple[float, float, float] | None = None
) -> list[LayerSpec]:
    """Open each volume lazily and decide its layer; `voxel_size` overrides the files' own."""
    taken: set[str] = set()
    specs = []
    for spec in volumes:
        volume = open_volume_auto(spec, PREFERRED_KEYS, ndim=[3, 4])
        kind, data, channels = classify(volume, str(spec))
        size = voxel_size or volume_voxel_size(volume)
        specs.append(LayerSpec(layer_name(spec, taken), kind, data, size, channels))
    return specs
