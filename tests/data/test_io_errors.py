"""Volume IO errors: one clear DataError naming the problem and the fix."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import zarr

from connectomics.data.errors import DataError
from connectomics.data.io import create_volume, open_volume, write_volume


def test_data_error_is_a_value_error() -> None:
    assert issubclass(DataError, ValueError)


def test_missing_hdf5_key_lists_the_keys_present(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "v.h5", "w") as f:
        f["raw"] = np.zeros((2, 3, 4), np.uint8)
        f["seg/neurons"] = np.zeros((2, 3, 4), np.uint32)
    with pytest.raises(DataError, match=r"'labels' not found.*\['raw', 'seg/neurons'\]"):
        open_volume(f"{tmp_path}/v.h5:labels")
    with pytest.raises(DataError, match="choose one with a key"):
        open_volume(tmp_path / "v.h5")


def test_missing_zarr_key_lists_the_arrays_present(tmp_path: Path) -> None:
    group = zarr.open_group(tmp_path / "v.zarr", mode="w")
    group.create_array("raw", shape=(2, 3, 4), dtype="uint8")
    group.create_array("label", shape=(2, 3, 4), dtype="uint32")
    with pytest.raises(DataError, match=r"'mask' not found.*\['label', 'raw'\]"):
        open_volume(tmp_path / "v.zarr", key="mask")


def test_wrong_dimensionality(tmp_path: Path) -> None:
    np.save(tmp_path / "line.npy", np.zeros(10, np.uint8))
    with pytest.raises(DataError, match="1 dimensions"):
        open_volume(tmp_path / "line.npy")
    write_volume(tmp_path / "plane.h5", np.zeros((4, 5), np.uint8))
    with pytest.raises(DataError, match="2 dimensions but 3 are needed"):
        open_volume(tmp_path / "plane.h5", ndim=3)


@pytest.mark.parametrize("dtype", [np.complex64, object])
def test_unsupported_dtype(tmp_path: Path, dtype: type) -> None:
    array = np.zeros((2, 3, 4), dtype=dtype)
    np.save(tmp_path / "v.npy", array, allow_pickle=True)
    with pytest.raises(DataError, match="unsupported|object array"):
        open_volume(tmp_path / "v.npy")
    with pytest.raises(DataError, match="unsupported dtype"):
        write_volume(tmp_path / "w.h5", array)


def test_unsupported_dtype_in_hdf5(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "c.h5", "w") as f:
        f["raw"] = np.zeros((2, 3, 4), np.complex64)
    with pytest.raises(DataError, match="unsupported dtype complex64"):
        open_volume(tmp_path / "c.h5")


@pytest.mark.parametrize("name", ["v.h5", "v.npy", "v.tif"])
def test_truncated_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    write_volume(path, np.random.default_rng(0).integers(0, 255, (8, 32, 32), dtype=np.uint8))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3] if name != "v.tif" else data[:100])
    with pytest.raises(DataError, match="cannot read|truncated|cannot decode"):
        open_volume(path).read()


def test_not_a_volume_file(tmp_path: Path) -> None:
    (tmp_path / "notes.h5").write_text("hello")
    with pytest.raises(DataError, match="not HDF5"):
        open_volume(tmp_path / "notes.h5")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match="cannot tell the format"):
        open_volume(tmp_path / "notes.txt")


def test_missing_path_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.h5"
    with pytest.raises(DataError, match="nowhere.h5.*does not exist"):
        open_volume(f"{missing}:raw")


def test_create_volume_rejects_unsupported_outputs(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="create_volume writes"):
        create_volume(tmp_path / "out.tif", (2, 2, 2), np.uint8)
    with pytest.raises(DataError, match="mode"):
        create_volume(tmp_path / "out.zarr", (2, 2, 2), np.uint8, mode="r")
    with pytest.raises(DataError, match="one size per axis"):
        create_volume(tmp_path / "out.zarr", (2, 2, 2), np.uint8, chunks=(2, 2))
    with pytest.raises(DataError, match="uint8 or uint16"):
        write_volume(tmp_path / "slices", np.zeros((2, 3, 4), np.float32))
