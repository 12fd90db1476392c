"""What each volume becomes in the viewer: an image, a multi-channel prediction or labels."""

from __future__ import annotations

from collections.abc import Sequence
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
# the layer kinds a volume can be shown as, and the word asking for the guessed one
KINDS = ("image", "prediction", "segmentation")
AUTO = "auto"
# dtypes guessed to be images; every other integer dtype is guessed to be segment labels
GUESSED_IMAGE_DTYPES = ("uint8", "float16", "float32", "float64")
# dtypes neuroglancer's image layers take (LocalVolume serves float64 as float32)
IMAGE_DTYPES = {
    "uint8",
    "int8",
    "uint16",
    "int16",
    "uint32",
    "int32",
    "uint64",
    "float32",
    "float64",
}
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
    kind: str  # one of KINDS
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


def guess_kind(volume: Volume) -> str:
    """Prediction for (C > 1, Z, Y, X); else image for uint8 and floats, segmentation for other
    integers and booleans."""
    if volume.ndim == 4 and volume.shape[0] > 1:
        return "prediction"
    return "image" if np.dtype(volume.dtype).name in GUESSED_IMAGE_DTYPES else "segmentation"


def classify(volume: Volume, where: str, kind: str | None = None) -> tuple[str, Any, int]:
    """The layer kind of `volume` (`kind`; None or AUTO: `guess_kind`), the array-like the
    server reads it from and its channel count; a kind that cannot show it is an error naming
    `where`."""
    if volume.ndim not in (3, 4):
        raise DataError(f"{where} has {volume.ndim} axes; view takes (Z, Y, X) or (C, Z, Y, X)")
    kind = guess_kind(volume) if kind in (None, AUTO) else kind
    if kind not in KINDS:
        raise DataError(
            f"{where}: unknown layer kind {kind!r}; use {', '.join(KINDS)} or {AUTO} (guessed)"
        )
    dtype = np.dtype(volume.dtype)
    channels = int(volume.shape[0]) if volume.ndim == 4 else 1
    if kind == "prediction":
        if volume.ndim == 3:
            raise DataError(
                f"{where} is (Z, Y, X): a prediction layer shows the channels of a "
                "(C, Z, Y, X) volume; view it as image"
            )
        return kind, _served_as(volume, dtype, _image_dtype(dtype)), channels
    if channels > 1:
        raise DataError(
            f"{where} has {channels} channels; {kind} layers show one: view it as prediction"
        )
    data = LazyCast(volume, dtype, channel=0) if volume.ndim == 4 else volume
    if kind == "image":
        return kind, _served_as(data, dtype, _image_dtype(dtype)), 1
    if dtype.kind not in "biu":
        raise DataError(f"{where} holds {dtype} values; a segmentation needs integer ids")
    return kind, _served_as(data, dtype, _segment_dtype(dtype)), 1


def _image_dtype(dtype: np.dtype) -> np.dtype:
    """The type an image is served as: its own where neuroglancer takes it, else uint8 for
    booleans and float32 for the rest."""
    if dtype.name in IMAGE_DTYPES:
        return dtype
    return np.dtype(np.uint8 if dtype.kind == "b" else np.float32)


def _segment_dtype(dtype: np.dtype) -> np.dtype:
    """The unsigned id type of the same width (uint8 for booleans)."""
    return np.dtype(SEGMENT_DTYPES[dtype.itemsize])


def _served_as(data: Any, dtype: np.dtype, target: np.dtype) -> Any:
    """`data` as the server reads it: itself when already `target`, else cast chunk by chunk."""
    if isinstance(data, LazyCast):
        data.dtype = target
        return data
    return data if dtype == target else LazyCast(data, target)


def layer_specs(
    volumes: list[str],
    voxel_size: tuple[float, float, float] | None = None,
    kinds: Sequence[str | None] | None = None,
) -> list[LayerSpec]:
    """Open each volume lazily and decide its layer; `voxel_size` overrides the files' own,
    `kinds` (one per volume; None or AUTO: guessed) the guessed kinds."""
    kinds = kinds if kinds is not None else [None] * len(volumes)
    taken: set[str] = set()
    specs = []
    for spec, kind in zip(volumes, kinds, strict=True):
        volume = open_volume_auto(spec, PREFERRED_KEYS, ndim=[3, 4])
        kind, data, channels = classify(volume, str(spec), kind)
        size = voxel_size or volume_voxel_size(volume)
        specs.append(LayerSpec(layer_name(spec, taken), kind, data, size, channels))
    return specs
