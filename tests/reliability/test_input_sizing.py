"""Issue 26: a volume is sized against the memory its step needs before anything is read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zarr

HUGE = 10**6


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.fixture
def huge_store(tmp_path: Path) -> Path:
    """A Zarr array whose metadata claims 1e6^3 float32 voxels (no chunk is written)."""
    path = tmp_path / "huge.zarr"
    zarr.open_array(str(path), mode="w", shape=(HUGE,) * 3, chunks=(64,) * 3, dtype="float32")
    return path


def test_require_in_memory_compares_shape_times_dtype_with_the_memory():
    from connectomics.data.errors import DataError
    from connectomics.data.sizing import require_in_memory, volume_bytes

    assert volume_bytes((10, 20, 30), np.uint16) == 12000
    require_in_memory("v", (10, 20, 30), np.uint16, "step", "do x", memory=12000)
    with pytest.raises(DataError, match=r"v of shape \(10, 20, 30\) uint16: step needs 11.7 KiB"):
        require_in_memory("v", (10, 20, 30), np.uint16, "step", "do x", memory=11999)
    # working bytes per voxel count too
    with pytest.raises(DataError, match="do x"):
        require_in_memory(
            "v", (10, 20, 30), np.uint16, "s", "do x", extra_per_voxel=1, memory=12000
        )


def test_require_grid_refuses_a_grid_whose_box_list_cannot_fit():
    from connectomics.data.errors import DataError
    from connectomics.data.sizing import BOX_BYTES, require_grid

    require_grid("v", (100, 100, 100), (10, 10, 10), "s", "bigger", memory=2 * 1000 * BOX_BYTES)
    with pytest.raises(DataError, match=r"makes 1e\+03 blocks.*bigger"):
        require_grid("v", (100, 100, 100), (10, 10, 10), "s", "bigger", memory=1000 * BOX_BYTES)


def test_evaluate_refuses_a_claimed_enormous_shape_at_once(cli, huge_store: Path):
    # refused from the metadata: reading would allocate 4 x 4e18 bytes before failing
    code, _, err = cli("evaluate", "--prediction", huge_store, "--label", huge_store)
    line = _one_error_line(err)
    assert code == 2 and "evaluating in memory needs 13.9 EiB" in line and "--block-size" in line


def test_decode_refuses_a_claimed_enormous_shape_at_once(cli, tmp_path: Path):
    store = tmp_path / "pred.zarr"
    shape, chunks = (1, *(HUGE,) * 3), (1, 64, 64, 64)
    zarr.open_array(str(store), mode="w", shape=shape, chunks=chunks, dtype="float32")
    out = tmp_path / "seg.zarr"
    code, _, err = cli("decode", "--input", store, "--output", out, "--decoder", "binary_cc")
    line = _one_error_line(err)
    assert code == 2 and "blockwise processing" in line and "larger block size" in line
    assert not out.exists()
    code, _, err = cli(
        "decode", "--input", store, "--output", tmp_path / "s.npy", "decoding.memory_budget=1e30"
    )
    line = _one_error_line(err)
    assert code == 2 and "decoding in memory needs" in line and "--blockwise" in line


def test_predict_refuses_a_claimed_enormous_shape_at_once(
    cli, tiny_checkpoint, huge_store, tmp_path
):
    out = tmp_path / "pred.zarr"
    code, _, err = cli(
        "predict", "--checkpoint", tiny_checkpoint, "--input", huge_store, "--output", out
    )
    line = _one_error_line(err)
    assert code == 2 and "out-of-core prediction" in line and "inference.chunk_size" in line


def test_caching_a_volume_beyond_memory_is_refused(monkeypatch):
    from connectomics.data import sizing
    from connectomics.data.datasets.sources import VolumeSource
    from connectomics.data.errors import DataError
    from connectomics.data.io.volume import ArrayVolume

    source = VolumeSource("a", ArrayVolume(np.zeros((4, 8, 8), np.uint8)))
    monkeypatch.setattr(sizing, "available_memory", lambda: 255)
    with pytest.raises(DataError, match="data.cache=false"):
        source.cached()
    monkeypatch.setattr(sizing, "available_memory", lambda: 256)
    assert np.array_equal(source.cached().image.read(), np.zeros((4, 8, 8), np.uint8))


def test_train_refuses_a_batch_beyond_memory_before_it_builds_anything(cli, tmp_path):
    from tests.lightning.conftest import LUCCHI, tiny_overrides, write_tiny_volumes

    overrides = tiny_overrides(write_tiny_volumes(tmp_path / "data"), tmp_path / "run")
    # 40 digits: the crop count of an epoch would not even fit an index
    code, _, err = cli("train", "--config", LUCCHI, *overrides, "data.batch_size=" + "9" * 40)
    line = _one_error_line(err)
    assert code == 2 and "data.batch_size=" in line and "lower data.batch_size" in line
    assert not (tmp_path / "run").exists() or not any((tmp_path / "run").rglob("*.ckpt"))


def test_the_batch_check_compares_crops_and_targets_with_the_memory(monkeypatch):
    from connectomics.config import load_config
    from connectomics.data import sizing
    from connectomics.data.datasets.builders import require_batch_memory
    from connectomics.data.errors import DataError

    cfg = load_config(
        "demo",
        overrides=[
            "model.in_channels=1",
            "model.out_channels=2",
            "data.batch_size=3",
            "data.patch_size=[4,8,8]",
        ],
    )
    need = 3 * 4 * 8 * 8 * (1 + 2) * 4
    monkeypatch.setattr(sizing, "available_memory", lambda: need - 1)
    with pytest.raises(DataError, match="data.batch_size=3"):
        require_batch_memory(cfg)
    monkeypatch.setattr(sizing, "available_memory", lambda: need)
    require_batch_memory(cfg)
