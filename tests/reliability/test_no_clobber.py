"""--overwrite validates first and never touches an input; no silent clobbering of files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from connectomics.data.io import read_volume, write_volume
from tests.config_edit import set_key


@pytest.fixture
def volumes(tmp_path: Path) -> dict[str, Path]:
    """A probability map, its ground truth and a raw volume in tmp_path."""
    rng = np.random.default_rng(0)
    label = np.zeros((8, 16, 16), np.uint32)
    label[2:6, 3:9, 3:9] = 1
    label[2:6, 10:14, 10:14] = 2
    prob = (label > 0).astype(np.float32)[None] * 0.9 + 0.05
    paths = {"gt": tmp_path / "gt.h5", "prob": tmp_path / "prob.h5", "raw": tmp_path / "in.h5"}
    write_volume(str(paths["gt"]), label, key="label")
    write_volume(str(paths["prob"]), prob, key="prediction")
    write_volume(str(paths["raw"]), rng.integers(0, 255, (8, 16, 16), dtype=np.uint8), key="raw")
    return paths


def _one_error_line(code: int, err: str) -> None:
    assert code == 2
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err


def test_evaluate_json_never_replaces_the_ground_truth(cli, volumes):
    before = volumes["gt"].read_bytes()
    for extra in ([], ["--overwrite"]):
        code, _, err = cli(
            "evaluate",
            "--prediction",
            f"{volumes['gt']}:label",
            "--label",
            f"{volumes['gt']}:label",
            "--json",
            volumes["gt"],
            *extra,
        )
        _one_error_line(code, err)
        assert "is the input" in err
    assert volumes["gt"].read_bytes() == before


def test_evaluate_json_refuses_an_existing_file_unless_told(cli, volumes, tmp_path):
    report = tmp_path / "scores.json"
    report.write_text("precious")
    args = ["evaluate", "--prediction", f"{volumes['gt']}:label"]
    args += ["--label", f"{volumes['gt']}:label", "--json", report]
    code, _, err = cli(*args)
    _one_error_line(code, err)
    assert "--overwrite" in err and report.read_text() == "precious"
    code, _, err = cli(*args, "--overwrite")
    assert code == 0, err
    assert json.loads(report.read_text())["adapted_rand"] == pytest.approx(0.0)


def test_decode_overwrite_keeps_the_old_output_when_the_new_one_cannot_be_written(
    cli, volumes, tmp_path
):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("old results")
    code, _, err = cli(
        "decode", "--input", f"{volumes['prob']}:prediction", "--output", victim, "--overwrite"
    )
    assert code == 2, err
    assert (victim / "keep.txt").read_text() == "old results"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_decode_refuses_to_write_over_its_input(cli, volumes):
    before = volumes["prob"].read_bytes()
    code, _, err = cli(
        "decode",
        "--input",
        f"{volumes['prob']}:prediction",
        "--output",
        f"{volumes['prob']}:seg",
        "--overwrite",
    )
    _one_error_line(code, err)
    assert volumes["prob"].read_bytes() == before


def test_write_volume_overwrite_is_all_or_nothing(tmp_path, monkeypatch):
    target = tmp_path / "seg.npy"
    write_volume(str(target), np.arange(8))

    def broken_save(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", broken_save)
    with pytest.raises(OSError):
        write_volume(str(target), np.zeros(8), overwrite=True)
    np.testing.assert_array_equal(np.load(target), np.arange(8))
    assert [p.name for p in tmp_path.iterdir()] == ["seg.npy"]
    monkeypatch.undo()
    write_volume(str(target), np.zeros(8), overwrite=True)
    np.testing.assert_array_equal(np.load(target), np.zeros(8))


def test_demo_overwrite_reports_a_typo_before_deleting_anything(cli, tmp_path):
    victim = tmp_path / "victim2"
    victim.mkdir()
    (victim / "keep.txt").write_text("old demo")
    code, _, err = cli("demo", "--out", victim, "--overwrite", "training.max_epoch=1")
    _one_error_line(code, err)
    assert "max_epochs" in err
    assert (victim / "keep.txt").read_text() == "old demo"


def test_predict_never_overwrites_its_input(cli, volumes, tmp_path):
    from tests.lightning.conftest import LUCCHI

    raw = f"{volumes['raw']}:raw"
    before = read_volume(raw)
    code, _, err = cli(
        "predict",
        "--config",
        LUCCHI,
        "--checkpoint",
        tmp_path / "any.ckpt",
        "--input",
        raw,
        "--output",
        raw,
        "--overwrite",
    )
    _one_error_line(code, err)
    assert "is the input" in err
    np.testing.assert_array_equal(read_volume(raw), before)


def test_predict_to_store_refuses_its_input_file_as_output(volumes):
    import torch

    from connectomics.data.errors import DataError
    from connectomics.data.inference import predict_to_store
    from connectomics.data.io import open_volume

    raw = f"{volumes['raw']}:raw"
    before = read_volume(raw)
    model = torch.nn.Conv3d(1, 1, 1)
    with pytest.raises(DataError, match="an input is never overwritten"):
        predict_to_store(
            model,
            open_volume(raw),
            f"{volumes['raw']}:prediction",
            chunk_size=[8, 16, 16],
            window_size=[8, 16, 16],
            overwrite=True,
        )
    np.testing.assert_array_equal(read_volume(raw), before)


def test_test_outputs_never_replace_an_input_volume(tmp_path):

    from connectomics.config import load_config
    from connectomics.data.errors import DataError
    from connectomics.lightning.test_stage import score_and_write
    from tests.lightning.conftest import LUCCHI

    # a test volume whose name collides with the output naming scheme, in the output folder
    gt = tmp_path / "vol_prediction.h5"
    write_volume(str(gt), np.ones((4, 8, 8), np.uint8), key="raw")
    cfg = load_config(str(LUCCHI))
    set_key(cfg, "data.test_image", f"{gt}:raw")
    set_key(cfg, "inference.output_path", str(tmp_path))
    set_key(cfg, "inference.output_format", "h5")
    before = gt.read_bytes()
    with pytest.raises(DataError, match="an input is never overwritten"):
        score_and_write(cfg, "vol", np.zeros((2, 4, 8, 8), np.float32), None)
    assert gt.read_bytes() == before


def test_hdf5_dataset_overwrite_is_all_or_nothing(tmp_path, monkeypatch):
    import h5py

    from connectomics.data.io.writing import WritableVolume

    target = f"{tmp_path / 'seg.h5'}:seg"
    write_volume(target, np.arange(24, dtype=np.uint32).reshape(2, 3, 4))

    def full_disk(self, index, value):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(WritableVolume, "__setitem__", full_disk)
    with pytest.raises(OSError):
        write_volume(target, np.zeros((2, 3, 4), np.uint32), overwrite=True)
    monkeypatch.undo()
    np.testing.assert_array_equal(read_volume(target), np.arange(24).reshape(2, 3, 4))
    with h5py.File(tmp_path / "seg.h5", "r") as h5:
        assert list(h5) == ["seg"]
    write_volume(target, np.ones((2, 3, 4), np.uint32), overwrite=True)
    np.testing.assert_array_equal(read_volume(target), np.ones((2, 3, 4)))
