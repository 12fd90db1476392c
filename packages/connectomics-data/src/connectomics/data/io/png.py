"""Folders of PNG slices (one file per z), read only for the requested z range."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import imageio.v3 as iio
import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.io.paths import natural_key
from connectomics.data.io.volume import Volume, check_dtype, check_ndim

SLICE_SUFFIXES = (".png",)


def slice_files(folder: str) -> list[str]:
    """The folder's PNG files in natural order (slice2 before slice10)."""
    files = [p for p in Path(folder).iterdir() if p.suffix.lower() in SLICE_SUFFIXES]
    if not files:
        raise DataError(f"folder {folder!r} holds no .png slices; point at a folder of PNG files")
    return [str(p) for p in sorted(files, key=lambda p: natural_key(p.name))]


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_bit_depth(path: str) -> int | None:
    """The bit depth in a PNG file's header (26 bytes read; None: not a PNG header)."""
    with open(path, "rb") as handle:
        head = handle.read(26)
    if len(head) < 26 or head[:8] != _PNG_SIGNATURE or head[12:16] != b"IHDR":
        return None
    return head[24]


def check_one_bit_depth(files: list[str]) -> None:
    """DataError naming the first slice whose bit depth differs from the first slice's: a
    stack of 8- and 16-bit slices would be read in one dtype, wrapping the wider values."""
    first = png_bit_depth(files[0])
    for file in files[1:]:
        depth = png_bit_depth(file)
        if depth is not None and first is not None and depth != first:
            raise DataError(
                f"slice {file!r} is a {depth}-bit PNG but the first slice {files[0]!r} is "
                f"{first}-bit; all slices of a stack must have one bit depth (convert them)"
            )


def read_slice(path: str) -> np.ndarray:
    """Read one grayscale slice."""
    try:
        image = iio.imread(path)
    except Exception as error:
        raise DataError(f"cannot read slice {path!r} (truncated or not PNG): {error}") from None
    if image.ndim != 2:
        raise DataError(
            f"slice {path!r} has shape {image.shape}; EM slices must be single-channel "
            "grayscale images"
        )
    return image


class PngStackVolume(Volume):
    """A z stack stored as one PNG per slice."""

    def __init__(self, path: str, ndim: Any = None) -> None:
        self.path = path
        self.files = slice_files(path)
        check_one_bit_depth(self.files)
        first = read_slice(self.files[0])
        self.shape = (len(self.files), *first.shape)
        check_ndim(len(self.shape), path, ndim)
        self.dtype = check_dtype(first.dtype, path)

    def _open(self) -> list[str]:
        return self.files

    def _read(self, region: tuple[slice, ...]) -> np.ndarray:
        z, y, x = region
        out = np.empty(tuple(s.stop - s.start for s in region), dtype=self.dtype)
        for i, file in enumerate(self.files[z]):
            image = read_slice(file)
            if image.shape != self.shape[1:]:
                raise DataError(
                    f"slice {file!r} has shape {image.shape}, expected {self.shape[1:]}; "
                    "all slices must have the same size"
                )
            if image.dtype != self.dtype:
                raise DataError(
                    f"slice {file!r} holds {image.dtype} but the first slice {self.dtype}; "
                    "all slices of a stack must have one dtype (convert them)"
                )
            out[i] = image[y, x]
        return out


def write_png_stack(folder: str, array: np.ndarray) -> None:
    """Write a (z, y, x) uint8/uint16 array as zero-padded PNG slices."""
    if array.ndim != 3:
        raise DataError(f"a PNG folder stores a 3D (z, y, x) volume, got shape {array.shape}")
    if array.dtype not in (np.uint8, np.uint16):
        raise DataError(
            f"PNG slices hold uint8 or uint16 data, not {array.dtype}; use .h5/.zarr/.tif instead"
        )
    Path(folder).mkdir(parents=True, exist_ok=True)
    width = max(4, len(str(array.shape[0])))
    for z, image in enumerate(array):
        iio.imwrite(Path(folder) / f"{z:0{width}d}.png", image)
