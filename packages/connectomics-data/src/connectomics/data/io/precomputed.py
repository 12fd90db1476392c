"""Neuroglancer precomputed export through tensorstore: an image or segmentation with scales.

Scale 0 is copied from the volume block by block; each further scale is tensorstore's
downsampling of the one before (mean for images, mode for segmentations), written block by
block too, so memory stays bounded by one block whatever the volume size. The factors per
scale follow the OME-Zarr pyramid's (`connectomics.data.io.ngff.downsample_factors`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.io.ngff import KINDS, downsample_factors, layer_kind
from connectomics.data.io.volume import Volume

__all__ = ["export_precomputed", "layer_kind"]

CHUNK = 64  # voxels per axis of a stored chunk
BLOCK = 256  # voxels per axis copied at once (a multiple of CHUNK)
_IMAGE_TYPES = {"uint8", "uint16", "uint32", "uint64", "float32"}


def _stored_dtype(dtype: np.dtype, kind: str) -> np.dtype:
    """The precomputed data type: uint32/uint64 ids for segmentations, else the closest image
    type (float32 for other floats, uint8 for booleans)."""
    if kind == "segmentation":
        if not np.issubdtype(dtype, np.integer):
            raise DataError(f"a segmentation needs integer ids, not {dtype}")
        return np.dtype(np.uint64 if dtype.itemsize > 4 else np.uint32)
    if dtype.name in _IMAGE_TYPES:
        return dtype
    if dtype == np.bool_:
        return np.dtype(np.uint8)
    if np.issubdtype(dtype, np.floating):
        return np.dtype(np.float32)
    if np.issubdtype(dtype, np.signedinteger):
        return np.dtype(f"uint{max(8, dtype.itemsize * 8)}")
    raise DataError(f"cannot export {dtype} data as a precomputed image")


def blocks(shape: Sequence[int], block: int) -> Iterator[tuple[slice, ...]]:
    """Boxes of `block` voxels per axis tiling `shape`."""
    starts = [range(0, n, block) for n in shape]
    for corner in itertools.product(*starts):
        yield tuple(slice(a, min(a + block, n)) for a, n in zip(corner, shape, strict=True))


def _scale_key(resolution: Sequence[float]) -> str:
    return "_".join(f"{r:g}" for r in resolution)


def export_precomputed(
    volume: Volume,
    output: str | Path,
    voxel_size: Sequence[float] | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Write `volume` ((Z, Y, X) or (C, Z, Y, X)) as a precomputed layer in the new folder
    `output`; returns the scales of its info file. `voxel_size` (nm, z-y-x) becomes the
    resolution (1 nm per voxel when unknown); `kind` defaults to `layer_kind(dtype)`."""
    import tensorstore as ts

    if volume.ndim not in (3, 4):
        raise DataError(f"precomputed export takes a 3D or (C, Z, Y, X) volume, not {volume.shape}")
    kind = kind or layer_kind(volume.dtype)
    if kind not in KINDS:
        raise DataError(f"layer kind must be one of {', '.join(KINDS)}, not {kind!r}")
    channels = volume.shape[0] if volume.ndim == 4 else 1
    if kind == "segmentation" and channels != 1:
        raise DataError(f"a segmentation has one channel, this volume has {channels}")
    dtype = _stored_dtype(np.dtype(volume.dtype), kind)
    size = [float(v) for v in voxel_size] if voxel_size is not None else [1.0, 1.0, 1.0]
    spatial = tuple(int(n) for n in volume.shape[-3:])
    base = {
        "driver": "neuroglancer_precomputed",
        "kvstore": {"driver": "file", "path": str(output)},
    }
    multiscale = {"type": kind, "data_type": dtype.name, "num_channels": channels}
    encoding = "compressed_segmentation" if kind == "segmentation" else "raw"

    def create(shape: Sequence[int], resolution: Sequence[float]) -> Any:
        scale = {
            "size": list(shape[::-1]),  # precomputed axes are x, y, z (then channel)
            "resolution": list(resolution[::-1]),
            "chunk_size": [min(CHUNK, n) for n in shape[::-1]],
            "encoding": encoding,
            "key": _scale_key(resolution[::-1]),
        }
        if encoding == "compressed_segmentation":
            scale["compressed_segmentation_block_size"] = [8, 8, 8]
        spec = {**base, "multiscale_metadata": multiscale, "scale_metadata": scale}
        # .T: the (channel, z, y, x) view of the stored (x, y, z, channel) array
        return ts.open(spec, create=True, open=True).result().T

    level = create(spatial, size)
    for box in blocks(spatial, BLOCK):
        block = np.asarray(volume[(slice(None),) * (volume.ndim - 3) + box])
        block = block.reshape(channels, *block.shape[-3:]).astype(dtype, copy=False)
        level[(slice(None), *box)].write(block).result()
    method = "mode" if kind == "segmentation" else "mean"
    shape = spatial
    for factors in downsample_factors(spatial, voxel_size):
        coarse = ts.downsample(level, [1, *factors], method=method)
        shape = tuple(-(-n // f) for n, f in zip(shape, factors, strict=True))
        size = [s * f for s, f in zip(size, factors, strict=True)]
        level = create(shape, size)
        for box in blocks(shape, BLOCK):
            level[(slice(None), *box)].write(coarse[(slice(None), *box)].read().result()).result()
    return json.loads((Path(output) / "info").read_text())["scales"]
