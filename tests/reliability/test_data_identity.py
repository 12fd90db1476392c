"""Every command compares inputs and outputs by what is written (file, array inside a Zarr
store), so `--overwrite` never lands on an input, a store holding it, or something not ours."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

from connectomics.cli.main import main
from connectomics.cli.safety import same_data


def test_identity_sees_one_array_through_both_spellings_and_symlinks(tmp_path):
    store = tmp_path / "p.zarr"
    store.mkdir()
    (tmp_path / "link.zarr").symlink_to(store)
    assert same_data(f"{store}:prediction", f"{store}/prediction")
    assert same_data(f"{tmp_path}/link.zarr:prediction", f"{store}/prediction")
    assert same_data(store, f"{store}/prediction")  # the whole store holds the input
    assert not same_data(f"{store}:segmentation", f"{store}/prediction")
    h5 = tmp_path / "v.h5"
    assert same_data(f"{h5}:seg", f"{h5}:raw")  # an HDF5 file is rewritten whole


def _prediction(tmp_path):
    store = tmp_path / "p.zarr"
    arr = zarr.open_array(str(store / "prediction"), mode="w", shape=(1, 8, 8, 8), dtype="f4")
    arr[:] = np.random.default_rng(0).random((1, 8, 8, 8), dtype=np.float32)
    return store, arr[:]


@pytest.mark.parametrize("output", ["{s}:prediction", "{s}"])
@pytest.mark.parametrize("blockwise", [False, True])
def test_decode_never_overwrites_its_input_array_or_store(tmp_path, capsys, output, blockwise):
    store, values = _prediction(tmp_path)
    args = [
        "decode",
        "--input",
        f"{store}/prediction",
        "--output",
        output.format(s=store),
        "--decoder",
        "binary_cc",
        "--overwrite",
    ]
    code = main(args + (["--blockwise"] if blockwise else []))
    err = capsys.readouterr().err.strip()
    assert code == 2 and "is the input" in err and err.count("\n") == 0, err
    np.testing.assert_array_equal(zarr.open_array(str(store / "prediction"), mode="r")[:], values)


def test_blockwise_overwrite_refuses_a_folder_that_is_not_its_store(tmp_path, capsys):
    store, _ = _prediction(tmp_path)
    notes = tmp_path / "notes.zarr"
    notes.mkdir()
    (notes / "thesis.txt").write_text("keep me")
    code = main(
        [
            "decode",
            "--input",
            f"{store}/prediction",
            "--output",
            str(notes),
            "--decoder",
            "binary_cc",
            "--blockwise",
            "--overwrite",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and "not a blockwise output" in err, err
    assert (notes / "thesis.txt").read_text() == "keep me"


def test_demo_overwrite_refuses_a_folder_it_did_not_write(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "results.csv").write_text("keep me")
    code = main(["demo", "--out", str(out), "--overwrite"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "did not write" in err and "results.csv" in err, err
    assert (out / "results.csv").read_text() == "keep me"
