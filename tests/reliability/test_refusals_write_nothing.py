"""A refused command writes nothing: every refusal of train/test/predict comes before the first
file (no config.yaml overwritten, no log folder added); a checkpoint that does not fit the
configured model says what differs, in one error line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.lightning.conftest import LUCCHI


@pytest.fixture
def run(cli, overrides, tmp_path) -> Path:
    """A finished one-epoch run in tmp_path/run (its last.ckpt, config.yaml and logs)."""
    code, _, err = cli("train", "--config", LUCCHI, *overrides)
    assert code == 0, err
    return tmp_path / "run"


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*")
    }


def _refused(cli, root: Path, *args) -> str:
    before = _snapshot(root)
    code, _, err = cli(*args)
    assert code == 2, err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert _snapshot(root) == before, "a refused command wrote or changed files"
    return err


def test_training_again_into_a_finished_run_writes_nothing(cli, overrides, run, tmp_path):
    """The mitochondria tutorial's case: a second config with the same logging.save_dir."""
    err = _refused(cli, tmp_path, "train", "--config", LUCCHI, *overrides, "model.filters=[8,16]")
    assert "already holds checkpoints" in err


def test_missing_training_volume_writes_no_log_folder(cli, overrides, tmp_path):
    missing = tmp_path / "nope.h5"
    args = ["train", "--config", LUCCHI, *overrides, f"data.train_image={missing}"]
    err = _refused(cli, tmp_path, *args)
    assert "does not exist" in err and not (tmp_path / "run").exists()


def test_resume_of_another_architecture_writes_nothing(cli, overrides, run, tmp_path):
    ckpt = tmp_path / "good.ckpt"
    shutil.copy(run / "last.ckpt", ckpt)
    args = ["train", "--config", LUCCHI, *overrides, "model.filters=[8,16]", "--resume", ckpt]
    err = _refused(cli, tmp_path, *args)
    assert "model.filters [8, 16] configured, [4, 8] in the checkpoint" in err


@pytest.mark.parametrize("command", ["test", "predict"])
def test_checkpoint_of_another_model_says_what_differs(cli, overrides, run, tmp_path, command):
    args = [command, "--config", LUCCHI, *overrides, "model.filters=[8,16]"]
    args += ["--checkpoint", run / "last.ckpt"]
    if command == "predict":
        args += ["--input", tmp_path / "data" / "test_im.h5", "--output", tmp_path / "p.zarr"]
    err = _refused(cli, tmp_path, *args)
    assert "Error(s) in loading state_dict" not in err
    assert "model.filters [8, 16] configured, [4, 8] in the checkpoint" in err
    # the weights that differ: counted, with an example of each kind
    assert "of other shapes (e.g. " in err and "in the checkpoint, the model needs" in err
    assert "(without --config the checkpoint's own is used)" in err


def test_predict_onto_its_input_writes_nothing(cli, run, tmp_path):
    volume = tmp_path / "data" / "test_im.h5"
    args = ["predict", "--checkpoint", run / "last.ckpt", "--input", volume, "--output", volume]
    assert "is the input" in _refused(cli, tmp_path, *args, "--overwrite")
