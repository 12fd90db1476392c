"""The voxel size travels train -> checkpoint -> predict -> decode, into plain and OME-Zarr outputs."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from ome_zarr.io import parse_url
from ome_zarr.reader import Reader

from connectomics.cli.main import main
from connectomics.data.io.voxel_size import read_voxel_size
from tests.cli.tiny_training import tiny_train_args

VOXEL = (30.0, 8.0, 8.0)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """One tiny epoch on a training image whose HDF5 `resolution` attribute is the voxel size."""
    from connectomics.data.synthetic import make_mitochondria_volume

    folder = tmp_path_factory.mktemp("voxel")
    image, label = make_mitochondria_volume(shape=(16, 32, 32), seed=0)
    with h5py.File(folder / "train.h5", "w") as f:
        f["raw"] = image
        f["raw"].attrs["resolution"] = VOXEL
        f["label"] = (label > 0).astype(np.uint8)
    code = main(
        tiny_train_args(
            f"{folder / 'train.h5'}:raw", f"{folder / 'train.h5'}:label", folder / "run"
        )
    )
    assert code == 0
    return folder / "run" / "last.ckpt"


def test_checkpoint_keeps_the_voxel_size_of_its_training_input(checkpoint):
    from connectomics.config.yaml_text import parse_yaml_mapping
    from connectomics.lightning.config_io import read_checkpoint_config

    data = parse_yaml_mapping(read_checkpoint_config(str(checkpoint)), "checkpoint")["data"]
    assert [float(v) for v in data["voxel_size"]] == list(VOXEL)


def test_predict_and_decode_write_the_checkpoint_voxel_size(checkpoint, tmp_path, capsys):
    import tifffile

    from connectomics.data.synthetic import make_mitochondria_volume

    image, _ = make_mitochondria_volume(shape=(12, 70, 70), seed=1)
    tifffile.imwrite(tmp_path / "test.tif", image)  # records no voxel size itself
    ckpt, source = str(checkpoint), str(tmp_path / "test.tif")
    pred = tmp_path / "pred.zarr"
    assert main(["predict", "--checkpoint", ckpt, "--input", source, "--output", str(pred)]) == 0
    assert "30 x 8 x 8 nm (z y x, from data.voxel_size)" in capsys.readouterr().out
    assert read_voxel_size(f"{pred}:prediction") == VOXEL

    seg = tmp_path / "seg.h5"
    assert main(["decode", "--input", str(pred), "--output", str(seg)]) == 0
    assert read_voxel_size(f"{seg}:data") == VOXEL

    ome = tmp_path / "pred.ome.zarr"
    assert main(["predict", "--checkpoint", ckpt, "--input", source, "--output", str(ome)]) == 0
    node = next(iter(Reader(parse_url(str(ome)))()))
    scales = [t[0]["scale"] for t in node.metadata["coordinateTransformations"]]
    assert scales == [[1.0, 30.0, 8.0, 8.0], [1.0, 30.0, 16.0, 16.0]]
    seg_ome = tmp_path / "seg.ome.zarr"
    assert main(["decode", "--input", f"{ome}:0", "--output", str(seg_ome)]) == 0
    labels = next(iter(Reader(parse_url(str(seg_ome)))()))
    assert [t[0]["scale"] for t in labels.metadata["coordinateTransformations"]] == [
        [30.0, 8.0, 8.0],
        [30.0, 16.0, 16.0],
    ]
    assert main(["decode", "--input", f"{ome}:0", "--output", str(seg_ome)]) == 2
    assert "already exists" in capsys.readouterr().err
