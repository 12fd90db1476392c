"""Lazy TIFF stacks: memory-mapped when uncompressed, otherwise read page by page."""

from __future__ import annotations

from typing import Any

import numpy as np
import tifffile

from connectomics.data.errors import DataError
from connectomics.data.io.volume import Volume, check_dtype, check_ndim, clean_voxel_size


def open_tiff(path: str) -> tifffile.TiffFile:
    """Open a TIFF file, turning unreadable files into a DataError."""
    try:
        return tifffile.TiffFile(path)
    except (tifffile.TiffFileError, OSError, ValueError) as error:
        raise DataError(
            f"cannot read TIFF {path!r} (truncated, corrupt or not TIFF): {error}"
        ) from None


def tiff_voxel_size(tif: tifffile.TiffFile, ndim: int) -> tuple[float, ...] | None:
    """Voxel size from our JSON description, or ImageJ spacing plus resolution tags."""
    shaped = tif.shaped_metadata
    if shaped and shaped[0].get("voxel_size") is not None:
        return clean_voxel_size(shaped[0]["voxel_size"], ndim)
    page = tif.pages.first
    tags = page.tags
    if "XResolution" not in tags or "YResolution" not in tags:
        return None
    sizes = []
    for name in ("YResolution", "XResolution"):
        numerator, denominator = tags[name].value
        if numerator == 0:
            return None
        sizes.append(denominator / numerator)
    imagej = tif.imagej_metadata or {}
    if ndim >= 3:
        if "spacing" not in imagej and sizes == [1.0, 1.0]:
            return None
        sizes.insert(0, float(imagej.get("spacing", 1.0)))
    elif sizes == [1.0, 1.0]:
        return None
    return clean_voxel_size(sizes, ndim)


class TiffVolume(Volume):
    """A single-series TIFF (2D page or multi-page z stack)."""

    def __init__(self, path: str, ndim: Any = None) -> None:
        self.path = path
        with open_tiff(path) as tif:
            if not tif.series:
                raise DataError(f"TIFF {path!r} holds no image data")
            series = tif.series[0]
            self.shape = tuple(series.shape)
            check_ndim(len(self.shape), path, ndim)
            self.dtype = check_dtype(series.dtype, path)
            self.page_shape = tuple(tif.pages.first.shape)
            self.n_pages = len(series.pages)
            self.voxel_size = tiff_voxel_size(tif, self.ndim)
            # Contiguous uncompressed data can be memory-mapped (tifffile exposes its offset).
            self.memmappable = series.dataoffset is not None
        if int(np.prod(self.page_shape)) * self.n_pages != int(np.prod(self.shape)):
            raise DataError(f"TIFF {path!r} has pages of unequal shape; save one image series")

    def _open(self) -> Any:
        if self.memmappable:
            try:
                return tifffile.memmap(self.path, mode="r")
            except ValueError:
                self.memmappable = False
        return open_tiff(self.path)

    def _read(self, region: tuple[slice, ...]) -> np.ndarray:
        handle = self.handle
        if isinstance(handle, np.ndarray):
            return np.array(handle.reshape(self.shape)[region])
        page_axes = len(self.page_shape)
        lead = self.shape[: self.ndim - page_axes]
        in_page = region[self.ndim - page_axes :]
        lead_region = region[: self.ndim - page_axes]
        out_shape = tuple(s.stop - s.start for s in region)
        out = np.empty(out_shape, dtype=self.dtype)
        grid = np.indices([s.stop - s.start for s in lead_region]).reshape(len(lead), -1).T
        for position in grid:
            absolute = tuple(int(p + s.start) for p, s in zip(position, lead_region))
            page = int(np.ravel_multi_index(absolute, lead)) if lead else 0
            out[tuple(position)] = self._page(handle, page)[in_page]
        return out

    def _page(self, tif: tifffile.TiffFile, index: int) -> np.ndarray:
        """Decode one page (only the pages a region touches are ever decoded)."""
        try:
            return tif.series[0].pages[index].asarray()
        except Exception as error:
            raise DataError(f"cannot decode page {index} of TIFF {self.path!r}: {error}") from None


def tiff_write_kwargs(array: np.ndarray, voxel_size: tuple[float, ...] | None) -> dict[str, Any]:
    """tifffile.imwrite options that store the voxel size readably by ImageJ and by us."""
    if voxel_size is None:
        return {}
    sizes = [float(v) for v in voxel_size]
    if array.dtype in (np.uint8, np.uint16, np.float32) and array.ndim in (2, 3):
        kwargs: dict[str, Any] = {
            "imagej": True,
            "resolution": (1.0 / sizes[-1], 1.0 / sizes[-2]),
        }
        if array.ndim == 3:
            kwargs["metadata"] = {"spacing": sizes[0], "axes": "ZYX"}
        return kwargs
    return {"metadata": {"voxel_size": sizes}}


def write_tiff(path: str, array: np.ndarray, voxel_size: tuple[float, ...] | None) -> None:
    """Write ``array`` as a (multi-page) TIFF with its voxel size."""
    kwargs = tiff_write_kwargs(array, voxel_size)
    tifffile.imwrite(path, array, **kwargs)
