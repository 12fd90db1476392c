"""Volume IO: round trips per format, lazy region reads, voxel sizes, pickling."""

from __future__ import annotations

import pickle
from pathlib import Path

import h5py
import imageio.v3 as iio
import numpy as np
import pytest
import tifffile

from connectomics.data.io import ArrayVolume, create_volume, open_volume, read_volume, write_volume


@pytest.fixture
def volume() -> np.ndarray:
    """A small uint16 volume whose values differ everywhere (mistakes in regions show)."""
    return np.arange(12 * 20 * 24, dtype=np.uint16).reshape(12, 20, 24)


FORMATS = {
    "hdf5": ("v.h5", {}),
    "hdf5-key": ("v.h5:group/raw", {}),
    "zarr-v2": ("v.zarr", {"zarr_format": 2}),
    "zarr-v3": ("v.zarr", {"zarr_format": 3}),
    "zarr-group-key": ("v.zarr:raw", {}),
    "tiff": ("v.tif", {}),
    "npy": ("v.npy", {}),
    "png-folder": ("slices", {}),
}


@pytest.mark.parametrize("name", list(FORMATS))
def test_round_trip_and_region_reads(tmp_path: Path, volume: np.ndarray, name: str) -> None:
    relative, options = FORMATS[name]
    path = f"{tmp_path}/{relative}"
    write_volume(path, volume, **options)
    opened = open_volume(path)
    assert opened.shape == volume.shape and opened.dtype == volume.dtype and opened.ndim == 3
    np.testing.assert_array_equal(opened.read(), volume)
    np.testing.assert_array_equal(opened[3:7, 2:11, 5:6], volume[3:7, 2:11, 5:6])
    np.testing.assert_array_equal(opened[5], volume[5])
    np.testing.assert_array_equal(opened[..., -3], volume[..., -3])
    np.testing.assert_array_equal(opened[::-2, 1:15:4], volume[::-2, 1:15:4])
    np.testing.assert_array_equal(read_volume(path), volume)
    # Pickled handles drop the open file and reopen it on first access.
    clone = pickle.loads(pickle.dumps(opened))
    assert clone._handle_obj is None
    np.testing.assert_array_equal(clone[1:3], volume[1:3])


def test_hdf5_reads_only_the_requested_selection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("raw", shape=(64, 256, 256), dtype=np.uint8, chunks=(16, 64, 64))
        f["raw"][10:12, 100:104, 7:9] = 5
    volume = open_volume(f"{path}:raw")
    requested = []
    original = h5py.Dataset.__getitem__

    def recording(self, selection):
        requested.append(selection)
        return original(self, selection)

    monkeypatch.setattr(h5py.Dataset, "__getitem__", recording)
    region = volume[10:12, 100:104, 7:9]
    assert requested == [(slice(10, 12), slice(100, 104), slice(7, 9))]
    assert region.shape == (2, 4, 2) and (region == 5).all()


def _corrupt_chunks_outside(store: Path, keep: set[tuple[int, ...]]) -> int:
    """Overwrite every chunk file of a zarr v2/v3 array except ``keep`` with garbage."""
    corrupted = 0
    for file in store.rglob("*"):
        if not file.is_file() or file.name in ("zarr.json", ".zarray", ".zattrs", ".zgroup"):
            continue
        relative = file.relative_to(store).as_posix()
        parts = relative.split("/")[1:] if relative.startswith("c/") else relative.split(".")
        if tuple(int(p) for p in parts) not in keep:
            file.write_bytes(b"not a chunk")
            corrupted += 1
    return corrupted


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zarr_reads_only_chunks_touching_the_region(
    tmp_path: Path, volume: np.ndarray, zarr_format: int
) -> None:
    path = tmp_path / "v.zarr"
    write_volume(path, volume, chunks=(4, 8, 8), zarr_format=zarr_format)
    assert _corrupt_chunks_outside(path, keep={(1, 1, 0), (1, 1, 1)}) > 20
    opened = open_volume(path)
    # Chunk (1, 1, 0..1) covers z 4:8, y 8:16, x 0:16: reading inside it never touches others.
    np.testing.assert_array_equal(opened[5:7, 9:15, 3:13], volume[5:7, 9:15, 3:13])
    from connectomics.data.errors import DataError

    with pytest.raises(DataError, match="corrupt"):
        opened.read()


def test_compressed_tiff_decodes_only_pages_in_the_z_range(
    tmp_path: Path, volume: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "v.tif"
    tifffile.imwrite(path, volume, compression="zlib")
    opened = open_volume(path)
    assert not opened.memmappable
    decoded = []
    for cls in (tifffile.TiffPage, tifffile.TiffFrame):
        original = cls.asarray

        def recording(self, *args, _original=original, **kwargs):
            decoded.append(self.index)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "asarray", recording)
    np.testing.assert_array_equal(opened[4:7, 3:9, 2:5], volume[4:7, 3:9, 2:5])
    assert sorted(set(decoded)) == [4, 5, 6]  # a TiffFrame decodes through TiffPage


def test_uncompressed_tiff_and_npy_are_memory_mapped(tmp_path: Path, volume: np.ndarray) -> None:
    write_volume(tmp_path / "v.tif", volume)
    write_volume(tmp_path / "v.npy", volume)
    for name in ("v.tif", "v.npy"):
        opened = open_volume(tmp_path / name)
        opened[0:1]
        assert isinstance(opened.handle, np.memmap), name


def test_png_folder_reads_only_slices_in_range_in_natural_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "stack"
    folder.mkdir()
    for z in (1, 2, 10, 3):  # natural order 1, 2, 3, 10; lexical order would put 10 second
        iio.imwrite(folder / f"slice{z}.png", np.full((6, 8), z, dtype=np.uint8))
    opened = open_volume(folder)
    assert opened.shape == (4, 6, 8)
    np.testing.assert_array_equal(opened[:, 0, 0], [1, 2, 3, 10])
    import connectomics.data.io.png as png

    read = []
    original = png.read_slice
    monkeypatch.setattr(png, "read_slice", lambda file: read.append(file) or original(file))
    assert opened[2:3, 1:2, 1:2].item() == 3
    assert [Path(f).name for f in read] == ["slice3.png"]


@pytest.mark.parametrize(
    "name,dtype",
    [("v.h5", np.uint8), ("v.zarr", np.float32), ("v.tif", np.uint8), ("l.tif", np.uint32)],
)
def test_voxel_size_round_trip(tmp_path: Path, name: str, dtype: type) -> None:
    write_volume(tmp_path / name, np.zeros((3, 4, 5), dtype=dtype), voxel_size=(30, 4, 5))
    assert open_volume(tmp_path / name).voxel_size == (30.0, 4.0, 5.0)


def test_voxel_size_from_resolution_attribute_and_imagej_tags(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "r.h5", "w") as f:
        f.create_dataset("raw", data=np.zeros((2, 3, 4), np.uint8)).attrs["resolution"] = [8, 4, 4]
    assert open_volume(tmp_path / "r.h5").voxel_size == (8.0, 4.0, 4.0)
    tifffile.imwrite(
        tmp_path / "ij.tif",
        np.zeros((2, 3, 4), np.uint8),
        imagej=True,
        resolution=(1 / 2.5, 1 / 2.5),
        metadata={"spacing": 40.0, "axes": "ZYX"},
    )
    assert open_volume(tmp_path / "ij.tif").voxel_size == pytest.approx((40.0, 2.5, 2.5))
    write_volume(tmp_path / "plain.h5", np.zeros((2, 3, 4), np.uint8))
    assert open_volume(tmp_path / "plain.h5").voxel_size is None


@pytest.mark.parametrize("suffix", [".zarr", ".h5", ".npy"])
def test_create_volume_writes_chunked_output_and_reopens(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    out = create_volume(path, (2, 8, 16, 16), np.float32, chunks=(2, 4, 8, 8), voxel_size=(4, 4, 4))
    out[:, 0:4] = 1.5
    if suffix != ".npy":
        assert out.chunks == (2, 4, 8, 8)
        assert list(out.attrs["voxel_size"]) == [4.0, 4.0, 4.0]
    # A pickled writer (as sent to another process) reopens its file and keeps writing.
    clone = pickle.loads(pickle.dumps(out))
    out.close()
    clone[:, 4:8] = 2.5
    clone.close()
    result = read_volume(path)
    assert result.shape == (2, 8, 16, 16)
    assert (result[:, :4] == 1.5).all() and (result[:, 4:] == 2.5).all()
    # mode="a" reopens the existing array for resuming, keeping what was written.
    again = create_volume(path, (2, 8, 16, 16), np.float32, mode="a")
    assert (again[:, :4] == 1.5).all()
    again.close()


def test_zarr_is_the_default_writer_layout_and_formats_are_chosen(tmp_path: Path) -> None:
    out = create_volume(tmp_path / "o.zarr", (40, 100, 100), np.uint8)
    assert out.chunks == (40, 64, 64)
    assert (tmp_path / "o.zarr" / "zarr.json").exists()
    v2 = create_volume(tmp_path / "o2.zarr", (4, 4, 4), np.uint8, zarr_format=2)
    assert (tmp_path / "o2.zarr" / ".zarray").exists() and v2.shape == (4, 4, 4)


def test_overwrite_is_refused_unless_asked(tmp_path: Path, volume: np.ndarray) -> None:
    from connectomics.data.errors import DataError

    for name in ("a.h5", "a.zarr", "a.tif", "a.npy", "a_png"):
        write_volume(tmp_path / name, volume)
        with pytest.raises(DataError, match="overwrite=True"):
            write_volume(tmp_path / name, volume + 1)
        write_volume(tmp_path / name, volume + 1, overwrite=True)
        np.testing.assert_array_equal(read_volume(tmp_path / name), volume + 1)
    # Another dataset in the same HDF5 file is not an overwrite.
    write_volume(f"{tmp_path}/a.h5:second", volume)
    assert open_volume(tmp_path / "a.h5", "second").shape == volume.shape
    with pytest.raises(DataError, match="already exists"):
        create_volume(tmp_path / "a.h5:second", volume.shape, volume.dtype)
    with pytest.raises(DataError, match="does not match"):
        create_volume(tmp_path / "a.h5:second", (1, 2, 3), volume.dtype, mode="a")


def test_array_volume_and_explicit_key_argument(tmp_path: Path, volume: np.ndarray) -> None:
    wrapped = open_volume(volume)
    assert isinstance(wrapped, ArrayVolume) and wrapped[1, 2, 3] == volume[1, 2, 3]
    with h5py.File(tmp_path / "two.h5", "w") as f:
        f["raw"] = volume
        f["label"] = volume.astype(np.uint32)
    assert open_volume(tmp_path / "two.h5", key="label").dtype == np.uint32
    assert open_volume(f"{tmp_path}/two.h5:raw").dtype == np.uint16


def test_create_volume_compresses_hdf5_unless_asked_not_to(tmp_path):
    create_volume(tmp_path / "a.h5", (4, 8, 8), "float32", key="x").close()
    create_volume(tmp_path / "b.h5", (4, 8, 8), "float32", key="x", compress=False).close()
    with h5py.File(tmp_path / "a.h5") as a, h5py.File(tmp_path / "b.h5") as b:
        assert a["x"].compression == "gzip" and b["x"].compression is None
