"""`connectomics export-volume`: precomputed (tensorstore) and OME-Zarr exports read back equal."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
import tensorstore as ts

from connectomics.cli.main import main

VOXEL = [10.0, 10.0, 10.0]  # the NeuroProof crop: 10 nm isotropic FIB-SEM


@pytest.fixture
def crop(em_data: Path) -> tuple[str, np.ndarray, np.ndarray]:
    """The real crop (32 x 96 x 96) without a voxel size record, its raw and neuron ids."""
    path = em_data / "neuroproof_ts2_crop.h5"
    with h5py.File(path) as f:
        return str(path), f["raw"][:], f["label"][:]


def read_scale(folder: Path, index: int) -> np.ndarray:
    """Scale `index` of a precomputed layer, as (Z, Y, X), through tensorstore."""
    spec = {
        "driver": "neuroglancer_precomputed",
        "kvstore": {"driver": "file", "path": str(folder)},
        "scale_index": index,
    }
    return np.asarray(ts.open(spec).result().read().result())[..., 0].T


def test_segmentation_and_image_round_trip_with_scales(crop, tmp_path, capsys):
    path, raw, labels = crop
    seg_out = tmp_path / "seg"
    code = main(
        [
            "export-volume",
            f"{path}:label",
            "--output",
            str(seg_out),
            "--format",
            "precomputed",
            "--voxel-size",
            "10,10,10",
        ]
    )
    assert code == 0, capsys.readouterr().err
    info = json.loads((seg_out / "info").read_text())
    assert info["type"] == "segmentation" and info["data_type"] == "uint32"
    assert [s["resolution"] for s in info["scales"]] == [VOXEL, [20.0, 20.0, 10.0]]
    np.testing.assert_array_equal(read_scale(seg_out, 0), labels)
    coarse = read_scale(seg_out, 1)
    assert coarse.shape == (32, 48, 48)
    windows = labels.reshape(32, 48, 2, 48, 2).transpose(0, 1, 3, 2, 4).reshape(32, 48, 48, 4)
    counts = (windows == coarse[..., None]).sum(-1)
    best = (windows[..., :, None] == windows[..., None, :]).sum(-1).max(-1)
    np.testing.assert_array_equal(counts, best)  # every coarse id is a mode of its window

    raw_out = tmp_path / "raw"
    assert (
        main(
            [
                "export-volume",
                f"{path}:raw",
                "--output",
                str(raw_out),
                "--format",
                "precomputed",
                "--voxel-size",
                "10,10,10",
            ]
        )
        == 0
    )
    info = json.loads((raw_out / "info").read_text())
    assert info["type"] == "image" and info["data_type"] == "uint8"
    np.testing.assert_array_equal(read_scale(raw_out, 0), raw)
    mean = raw.reshape(32, 48, 2, 48, 2).mean(axis=(2, 4))
    assert np.abs(read_scale(raw_out, 1).astype(float) - mean).max() <= 0.5


def test_ome_zarr_export_and_refusals(crop, tmp_path, capsys):
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Label, Reader

    path, _, labels = crop
    out = tmp_path / "seg.ome.zarr"
    args = [
        "export-volume",
        f"{path}:label",
        "--output",
        str(out),
        "--format",
        "ome-zarr",
        "--voxel-size",
        "10,10,10",
    ]
    assert main(args) == 0
    node = next(iter(Reader(parse_url(str(out)))()))
    assert any(isinstance(s, Label) for s in node.specs)
    np.testing.assert_array_equal(np.asarray(node.data[0]), labels)
    assert node.metadata["coordinateTransformations"][1][0]["scale"] == [10.0, 20.0, 20.0]
    capsys.readouterr()

    before = sorted(p.name for p in out.rglob("*"))
    assert main(args) == 2  # exists, no --overwrite: nothing touched
    err = capsys.readouterr().err
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in out.rglob("*")) == before
    assert main([*args, "--overwrite"]) == 0

    bad = [
        "export-volume",
        str(tmp_path / "missing.h5"),
        "--output",
        str(tmp_path / "x"),
        "--format",
        "precomputed",
    ]
    assert main(bad) == 2
    assert capsys.readouterr().err.startswith("error:")
    wrong = [
        "export-volume",
        f"{path}:label",
        "--output",
        str(tmp_path / "y"),
        "--format",
        "precomputed",
        "--voxel-size",
        "10,10",
    ]
    assert main(wrong) == 2
    assert "--voxel-size" in capsys.readouterr().err
    assert not (tmp_path / "y").exists()
