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


def fragment(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """A legacy mesh fragment: uint32 vertex count, float32 x y z vertices, uint32 triangles."""
    count = int(np.frombuffer(data, "<u4", 1)[0])
    vertices = np.frombuffer(data, "<f4", 3 * count, offset=4).reshape(count, 3)
    return vertices, np.frombuffer(data, "<u4", offset=4 + 12 * count).reshape(-1, 3)


def test_meshes_of_every_segment_in_nm_and_xyz_order(crop, tmp_path, capsys):
    path, raw, labels = crop
    out = tmp_path / "seg"
    args = ["export-volume", f"{path}:label", "--output", str(out), "--format", "precomputed"]
    assert main([*args, "--voxel-size", "40,8,4", "--meshes"]) == 0, capsys.readouterr().err
    info = json.loads((out / "info").read_text())
    assert info["mesh"] == "mesh"
    assert json.loads((out / "mesh" / "info").read_text())["@type"] == "neuroglancer_legacy_mesh"
    np.testing.assert_array_equal(read_scale(out, 0), labels)
    ids = [int(i) for i in np.unique(labels) if i]
    listed = sorted(int(p.name[:-2]) for p in (out / "mesh").glob("*:0"))
    assert listed == ids
    # the segment largest along z: its vertices span its bounding box times the voxel size,
    # in x, y, z order, from the first voxel's corner to the last one's
    extent = {i: np.ptp(np.nonzero(labels == i)[0]) for i in ids}
    segment = max(extent, key=extent.get)
    names = json.loads((out / "mesh" / f"{segment}:0").read_text())["fragments"]
    vertices = np.concatenate([fragment((out / "mesh" / n).read_bytes())[0] for n in names])
    where = np.nonzero(labels == segment)
    low = np.array([w.min() for w in where[::-1]]) * [4, 8, 40]
    high = (np.array([w.max() for w in where[::-1]]) + 1) * [4, 8, 40]
    np.testing.assert_allclose(vertices.min(0), low, atol=1e-3)
    np.testing.assert_allclose(vertices.max(0), high, atol=1e-3)
    assert "meshes of" in capsys.readouterr().out

    simple = tmp_path / "simple"
    reduced = ["--voxel-size", "40,8,4", "--meshes", "--mesh-reduction", "8"]
    assert main([*args[:2], "--output", str(simple), *args[4:], *reduced]) == 0
    data = (simple / "mesh" / f"{segment}:0:0_0_0").read_bytes()
    assert len(data) < len((out / "mesh" / f"{segment}:0:0_0_0").read_bytes()) / 2
    vertices = fragment(data)[0]
    assert (vertices >= low - 4).all() and (vertices <= high + 4).all()  # within one voxel


def test_meshes_refused_without_a_precomputed_segmentation(crop, tmp_path, capsys):
    path, _, _ = crop
    for volume, fmt, output in (
        (f"{path}:raw", "precomputed", "raw"),
        (f"{path}:label", "ome-zarr", "seg.ome.zarr"),
    ):
        capsys.readouterr()
        code = main(
            [
                "export-volume",
                volume,
                "--output",
                str(tmp_path / output),
                "--format",
                fmt,
                "--meshes",
            ]
        )
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and err[0].startswith("error: "), err
        assert "--meshes" in err[0]
        assert not (tmp_path / output).exists()
