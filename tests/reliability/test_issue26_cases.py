"""Issue 26's listed cases through the command: one `error:` line naming the input, exit 2."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import zarr


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.fixture
def bad_json_store(tmp_path: Path) -> Path:
    """A Zarr v3 array whose zarr.json is not valid JSON."""
    store = tmp_path / "bad.zarr"
    zarr.open_array(str(store), mode="w", shape=(8, 16, 16), dtype="float32")
    (store / "zarr.json").write_text("{not json")
    return store


def test_predict_from_a_store_with_invalid_zarr_json(
    cli, tiny_checkpoint, bad_json_store, tmp_path
):
    out = tmp_path / "pred.zarr"
    code, _, err = cli(
        "predict", "--checkpoint", tiny_checkpoint, "--input", bad_json_store, "--output", out
    )
    line = _one_error_line(err)
    assert code == 2 and str(bad_json_store) in line and "repair its zarr.json" in line
    assert not out.exists()


@pytest.mark.parametrize("command", ["decode", "evaluate"])
def test_decode_and_evaluate_of_a_store_with_invalid_zarr_json(
    cli, bad_json_store, tmp_path, command
):
    if command == "decode":
        args = ["--input", bad_json_store, "--output", tmp_path / "seg.npy"]
    else:
        args = ["--prediction", bad_json_store, "--label", bad_json_store]
    code, _, err = cli(command, *args)
    assert code == 2 and str(bad_json_store) in _one_error_line(err)


@pytest.mark.parametrize("kind", ["hdf5", "zarr"])
def test_evaluate_on_a_chunked_volume_with_a_zero_length_axis(cli, tmp_path, kind):
    if kind == "hdf5":
        path = tmp_path / "empty.h5"
        with h5py.File(path, "w") as handle:
            handle.create_dataset(
                "seg", shape=(0, 8, 8), maxshape=(None, 8, 8), chunks=(1, 8, 8), dtype="u4"
            )
    else:
        path = tmp_path / "empty.zarr"
        zarr.open_array(str(path), mode="w", shape=(0, 8, 8), chunks=(1, 8, 8), dtype="u4")
    code, _, err = cli("evaluate", "--prediction", path, "--label", path)
    line = _one_error_line(err)
    assert code == 2 and "zero-length axis" in line and str(path) in line


def test_decode_overwrite_onto_a_plain_file_named_zarr_keeps_it(cli, tmp_path):
    prediction = tmp_path / "pred.npy"
    np.save(prediction, np.random.default_rng(0).random((1, 4, 16, 16)).astype(np.float32))
    notes = tmp_path / "notes.zarr"
    notes.write_text("my notes")
    code, _, err = cli(
        "decode", "--input", prediction, "--output", notes, "--overwrite", "--decoder", "binary_cc"
    )
    assert code == 2 and "is a file, not a Zarr store" in _one_error_line(err)
    assert notes.read_text() == "my notes"


def test_usage_errors_are_one_line(capsys):
    from connectomics.cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--prediction", "p.npy", "--label", "l.npy", "--threshold", "abc"])
    assert exit_info.value.code == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "invalid float value: 'abc'" in line and "connectomics evaluate --help" in line


def test_train_init_from_a_missing_file_is_refused_before_training(cli, overrides, tmp_path):
    from tests.lightning.conftest import LUCCHI

    missing = tmp_path / "nope.ckpt"
    code, _, err = cli("train", "--config", LUCCHI, *overrides, "--init-from", missing)
    line = _one_error_line(err)
    assert code == 2 and "model.init_from: checkpoint not found" in line
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("lr", ["-1", "0", "nan", "inf"])
def test_adapt_refuses_a_learning_rate_that_is_not_positive_and_finite(
    cli, tiny_checkpoint, tiny_data, tmp_path, lr
):
    out = tmp_path / "adapted.ckpt"
    code, _, err = cli(
        "adapt",
        "--checkpoint",
        tiny_checkpoint,
        "--input",
        tiny_data["test_image"],
        "--output",
        out,
        "--lr",
        lr,
    )
    assert code == 2 and "--lr must be a positive finite number" in _one_error_line(err)
    assert not out.exists()


def test_demo_out_that_is_a_file_is_refused_and_kept(cli, tmp_path):
    out = tmp_path / "demo.txt"
    out.write_text("keep")
    code, _, err = cli("demo", "--out", out)
    assert code == 2 and "is a file, not a folder" in _one_error_line(err)
    assert out.read_text() == "keep"
