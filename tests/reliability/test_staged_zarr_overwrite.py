"""`--overwrite` of a Zarr output (a whole store or one array in it) keeps the old data until
the new one is complete: a write that fails midway (full disk) leaves it readable as it was."""

from __future__ import annotations

import errno

import numpy as np
import pytest

from connectomics.data.io import open_volume, write_volume, writing


def _fail_midway(monkeypatch):
    def full_disk(self, index, value):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writing.WritableVolume, "__setitem__", full_disk)


@pytest.mark.parametrize("spec", ["out.zarr", "out.zarr:segmentation", "out.zarr:nested/seg"])
def test_failed_overwrite_keeps_the_old_zarr_data(tmp_path, monkeypatch, spec):
    path = str(tmp_path / spec)
    old = np.arange(64, dtype=np.uint32).reshape(4, 4, 4)
    write_volume(path, old)
    _fail_midway(monkeypatch)
    with pytest.raises(OSError):
        write_volume(path, old + 100, overwrite=True)
    monkeypatch.undo()
    np.testing.assert_array_equal(np.asarray(open_volume(path)[...]), old)
    leftovers = [p.name for p in tmp_path.rglob("*") if "partial" in p.name]
    assert leftovers == []


@pytest.mark.parametrize("spec", ["out.zarr", "out.zarr:segmentation"])
def test_overwrite_replaces_the_zarr_data_when_complete(tmp_path, spec):
    path = str(tmp_path / spec)
    write_volume(path, np.zeros((4, 4, 4), np.uint32))
    new = np.arange(64, dtype=np.uint32).reshape(4, 4, 4)
    write_volume(path, new, overwrite=True)
    np.testing.assert_array_equal(np.asarray(open_volume(path)[...]), new)
    assert [p.name for p in tmp_path.rglob("*") if "partial" in p.name or "old" in p.name] == []


def test_overwrite_never_replaces_a_plain_file_named_like_a_store(tmp_path):
    from connectomics.data.errors import DataError

    notes = tmp_path / "notes.zarr"
    notes.write_text("my notes")
    with pytest.raises(DataError, match="is a file, not a Zarr store"):
        write_volume(str(notes), np.zeros((2, 2, 2), np.uint8), overwrite=True)
    assert notes.read_text() == "my notes"


def test_a_volume_with_a_zero_length_axis_is_refused_at_open(tmp_path):
    import h5py

    from connectomics.data.errors import DataError

    path = tmp_path / "empty.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset(
            "seg", shape=(0, 8, 8), maxshape=(None, 8, 8), dtype="u4", chunks=(1, 8, 8)
        )
    with pytest.raises(DataError, match="zero-length axis"):
        open_volume(f"{path}:seg")
