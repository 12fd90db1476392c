"""train -> predict -> decode -> evaluate through `connectomics`, with the tutorial defaults."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr

from connectomics.cli.main import main
from tests.cli.tiny_training import tiny_train_args

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, np.ndarray, np.ndarray]:
    """A checkpoint trained for one tiny epoch on TIFF stacks (Lucchi layout)."""
    from connectomics.data.synthetic import make_mitochondria_volume

    folder = tmp_path_factory.mktemp("journey")
    image, label = make_mitochondria_volume(shape=(16, 32, 32), seed=0)
    tifffile.imwrite(folder / "train_im.tif", image)
    tifffile.imwrite(folder / "train_label.tif", (label > 0).astype(np.uint8))
    code = main(
        tiny_train_args(
            str(folder / "train_im.tif"), str(folder / "train_label.tif"), folder / "run"
        )
    )
    assert code == 0
    test_image, test_label = make_mitochondria_volume(shape=(12, 24, 20), seed=1)
    return folder, test_image, test_label


def _predict(folder: Path, source: str, output: str, *extra: str) -> np.ndarray:
    ckpt = str(folder / "run" / "last.ckpt")
    code = main(["predict", "--checkpoint", ckpt, "--input", source, "--output", output, *extra])
    assert code == 0
    return zarr.open_group(output, mode="r")["prediction"][:]


def test_every_input_form_predicts_the_same_without_config_or_keys(trained, tmp_path):
    """TIFF, HDF5 with and without a key, Zarr array and PNG folder: no --config, no chunk size."""
    import h5py
    from PIL import Image

    folder, image, _ = trained
    tifffile.imwrite(tmp_path / "v.tif", image)
    with h5py.File(tmp_path / "v.h5", "w") as f:
        f["raw"] = image
        f["other"] = np.zeros(3)
    with h5py.File(tmp_path / "single.h5", "w") as f:
        f["em"] = image
    zarr.save_array(str(tmp_path / "v.zarr"), image)
    (tmp_path / "png").mkdir()
    for z, section in enumerate(image):
        Image.fromarray(section).save(tmp_path / "png" / f"s{z:02d}.png")
    reference = _predict(folder, str(tmp_path / "v.tif"), str(tmp_path / "ref.zarr"))
    assert reference.shape == (1, *image.shape)
    for i, source in enumerate(["v.h5:raw", "v.h5", "single.h5", "v.zarr", "png"]):
        out = _predict(folder, str(tmp_path / source), str(tmp_path / f"p{i}.zarr"))
        np.testing.assert_array_equal(out, reference)
    # a chunk size smaller than the volume gives the same prediction
    out = _predict(
        folder, str(tmp_path / "v.tif"), str(tmp_path / "c.zarr"), "inference.chunk_size=[5,7,9]"
    )
    np.testing.assert_array_equal(out, reference)


def test_decode_and_evaluate_open_the_store_by_path(trained, tmp_path, capsys):
    folder, image, label = trained
    tifffile.imwrite(tmp_path / "v.tif", image)
    tifffile.imwrite(tmp_path / "gt.tif", label.astype(np.uint16))
    store = str(tmp_path / "p.zarr")
    _predict(folder, str(tmp_path / "v.tif"), store)
    assert (
        main(
            [
                "evaluate",
                "--prediction",
                store,
                "--label",
                str(tmp_path / "gt.tif"),
                "--json",
                str(tmp_path / "sem.json"),
            ]
        )
        == 0
    )
    assert set(json.loads((tmp_path / "sem.json").read_text())) == {"dice", "iou"}
    seg = str(tmp_path / "seg.h5")
    assert main(["decode", "--input", store, "--output", seg]) == 0
    assert (
        main(
            [
                "evaluate",
                "--prediction",
                seg,
                "--label",
                str(tmp_path / "gt.tif"),
                "--json",
                str(tmp_path / "inst.json"),
            ]
        )
        == 0
    )
    scores = json.loads((tmp_path / "inst.json").read_text())
    assert 0.0 <= scores["adapted_rand"] <= 1.0 and "voi" in scores


def test_wrong_channel_count_and_bad_chunk_size_are_one_error_line(trained, tmp_path, capsys):
    folder, image, _ = trained
    tifffile.imwrite(tmp_path / "two.tif", np.stack([image, image]))
    ckpt = str(folder / "run" / "last.ckpt")
    code = main(
        [
            "predict",
            "--checkpoint",
            ckpt,
            "--input",
            str(tmp_path / "two.tif"),
            "--output",
            str(tmp_path / "x.zarr"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "model.in_channels=1" in err and len(err.strip().splitlines()) == 1
    tifffile.imwrite(tmp_path / "one.tif", image)
    code = main(
        [
            "predict",
            "--checkpoint",
            ckpt,
            "--input",
            str(tmp_path / "one.tif"),
            "--output",
            str(tmp_path / "y.zarr"),
            "inference.chunk_size=[4,4]",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "inference.chunk_size" in err


def test_test_command_needs_no_config_beside_the_checkpoint(trained, tmp_path):
    folder, image, label = trained
    tifffile.imwrite(tmp_path / "t.tif", image)
    tifffile.imwrite(tmp_path / "t_label.tif", label.astype(np.uint16))
    ckpt = str(folder / "run" / "last.ckpt")
    code = main(
        [
            "test",
            "--checkpoint",
            ckpt,
            f"data.test_image={tmp_path / 't.tif'}",
            f"data.test_label={tmp_path / 't_label.tif'}",
            f"inference.output_path={tmp_path / 'out'}",
        ]
    )
    assert code == 0
    scores = json.loads((tmp_path / "out" / "t_scores.json").read_text())
    assert 0.0 <= scores["dice"] <= 1.0


def test_num_threads_is_honoured_by_config_loading_commands():
    import argparse

    import torch

    from connectomics.cli.common import load_cli_config

    before = torch.get_num_threads()
    try:
        args = argparse.Namespace(config="lucchi", overrides=["system.num_threads=2"])
        load_cli_config(args)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
