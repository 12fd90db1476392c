"""An OME-Zarr image root (v0.4 and v0.5 layouts) opens at its full-resolution level."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zarr

from connectomics.data.io import open_volume_auto


def write_ngff(path: Path, version: str) -> np.ndarray:
    """A two-level image pyramid with 30 x 4 x 4 nm voxels at level 0."""
    data = np.arange(4 * 8 * 8, dtype=np.uint8).reshape(4, 8, 8)
    zarr_format = 2 if version == "0.4" else 3
    root = zarr.open_group(str(path), mode="w", zarr_format=zarr_format)
    root.create_array("0", data=data, chunks=(2, 4, 4))
    root.create_array("1", data=data[:, ::2, ::2], chunks=(2, 4, 4))
    axes = [{"name": n, "type": "space", "unit": "nanometer"} for n in "zyx"]
    datasets = [
        {"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [30, 4, 4]}]},
        {"path": "1", "coordinateTransformations": [{"type": "scale", "scale": [30, 8, 8]}]},
    ]
    record = {"version": version, "axes": axes, "datasets": datasets}
    if version == "0.4":
        root.attrs["multiscales"] = [record]
    else:
        record.pop("version")
        root.attrs["ome"] = {"version": version, "multiscales": [record]}
    return data


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_root_opens_level0_with_its_voxel_size(tmp_path: Path, version: str) -> None:
    path = tmp_path / "image.ome.zarr"
    data = write_ngff(path, version)
    volume = open_volume_auto(str(path))
    np.testing.assert_array_equal(volume[...], data)
    assert volume.voxel_size == (30.0, 4.0, 4.0)
    coarse = open_volume_auto(f"{path}:1")
    assert coarse.shape == (4, 4, 4)
    assert coarse.voxel_size == (30.0, 8.0, 8.0)
