"""How `connectomics view` turns volumes into layers, and its one-line errors."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import zarr

from connectomics.data.view import layer_specs
from connectomics.data.view.viewer import prediction_shader


def test_kinds_dtypes_and_voxel_sizes(tmp_path: Path) -> None:
    path = tmp_path / "volumes.h5"
    labels = np.arange(2 * 4 * 4, dtype=np.int64).reshape(2, 4, 4) - 3
    with h5py.File(path, "w") as handle:
        handle.create_dataset("raw", data=np.zeros((2, 4, 4), np.uint8)).attrs["resolution"] = [
            30,
            4,
            4,
        ]
        handle["labels"] = labels
        handle["one_channel"] = np.ones((1, 2, 4, 4), np.float32)
    zarr.save_array(str(tmp_path / "aff.zarr"), np.zeros((3, 2, 4, 4), np.float32))
    specs = layer_specs(
        [f"{path}:raw", f"{path}:labels", f"{path}:one_channel", str(tmp_path / "aff.zarr")]
    )
    assert [(s.name, s.kind, s.channels) for s in specs] == [
        ("volumes:raw", "image", 1),
        ("volumes:labels", "segmentation", 1),
        ("volumes:one_channel", "image", 1),
        ("aff", "prediction", 3),
    ]
    assert specs[0].voxel_size == (30.0, 4.0, 4.0)
    assert specs[1].voxel_size is None
    # int64 labels are served as uint64 ids, read per chunk; the single channel as 3D
    assert specs[1].data.dtype == np.uint64
    np.testing.assert_array_equal(specs[1].data[1:2, :2, :2], labels[1:2, :2, :2].astype(np.uint64))
    assert specs[2].data.shape == (2, 4, 4)
    overridden = layer_specs([f"{path}:raw"], voxel_size=(10.0, 10.0, 10.0))
    assert overridden[0].voxel_size == (10.0, 10.0, 10.0)


def test_prediction_shader_colours_three_channels() -> None:
    shader = prediction_shader(6)
    assert "getDataValue(2)" in shader and "getDataValue(3)" not in shader
    assert "getDataValue(1)" in prediction_shader(2) and "getDataValue(2)" not in prediction_shader(
        2
    )


def test_bad_input_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from connectomics.cli.main import main

    path = tmp_path / "flat.h5"
    with h5py.File(path, "w") as handle:
        handle["raw"] = np.zeros((4, 4), np.uint8)
    for args in (["missing.h5:raw"], [f"{path}:raw"], [f"{path}:raw", "--screenshot", "x.jpg"]):
        capsys.readouterr()
        assert main(["view", *args]) == 2
        lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), lines


def served(viewer, index: int) -> dict:
    """The info neuroglancer's server gives the browser for layer `index`'s volume."""
    url = viewer.state.layers[index].layer.source[0].url
    return viewer.volume_manager.volumes[url.rsplit(".", 1)[1]].info()


def test_kind_option_is_honoured_in_the_viewer_state(tmp_path: Path) -> None:
    from connectomics.data.view import open_viewer

    path = tmp_path / "kinds.h5"
    with h5py.File(path, "w") as handle:
        handle["em"] = np.arange(2 * 4 * 4, dtype=np.uint16).reshape(2, 4, 4)  # guessed: labels
        handle["ids"] = np.ones((2, 4, 4), np.int8)  # guessed: labels; shown as an image
        handle["aff"] = np.zeros((3, 2, 4, 4), np.float32)
        handle["fg"] = np.zeros((1, 2, 4, 4), np.float32)  # guessed: a 3D image
    volumes = [f"{path}:{key}" for key in ("em", "ids", "aff", "fg")]
    guessed = [s.kind for s in layer_specs(volumes)]
    assert guessed == ["segmentation", "segmentation", "prediction", "image"]
    kinds = ["image", "image", "auto", "prediction"]
    specs = layer_specs(volumes, kinds=kinds)
    assert [(s.kind, s.channels) for s in specs] == [
        ("image", 1),
        ("image", 1),
        ("prediction", 3),
        ("prediction", 1),
    ]
    viewer = open_viewer(specs)
    layers = viewer.state.to_json()["layers"]
    assert [layer["type"] for layer in layers] == ["image"] * 4
    assert [served(viewer, i)["volumeType"] for i in range(4)] == ["image"] * 4
    assert [served(viewer, i)["dataType"] for i in range(2)] == ["uint16", "int8"]
    assert "getDataValue(0)" in layers[3]["shader"] and "getDataValue(1)" not in layers[3]["shader"]
    np.testing.assert_array_equal(
        specs[0].data[:, :2, :2], np.arange(32).reshape(2, 4, 4)[:, :2, :2]
    )

    relabelled = open_viewer(layer_specs([f"{path}:em"], kinds=["segmentation"]))
    assert relabelled.state.to_json()["layers"][0]["type"] == "segmentation"
    assert served(relabelled, 0)["volumeType"] == "segmentation"


def test_a_kind_that_cannot_apply_is_one_error_naming_the_volume(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from connectomics.cli.main import main

    path = tmp_path / "kinds.h5"
    with h5py.File(path, "w") as handle:
        handle["raw"] = np.zeros((2, 4, 4), np.float32)
        handle["aff"] = np.zeros((3, 2, 4, 4), np.float32)
    cases = {
        (f"{path}:raw", "segmentation"): "integer ids",
        (f"{path}:raw", "prediction"): "(C, Z, Y, X)",
        (f"{path}:aff", "image"): "3 channels",
        (f"{path}:raw", "imgae"): "unknown layer kind 'imgae'",
    }
    for (volume, kind), reason in cases.items():
        capsys.readouterr()
        assert main(["view", volume, "--kind", kind]) == 2
        lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), lines
        assert volume in lines[0] and reason in lines[0], lines
    assert main(["view", f"{path}:raw", f"{path}:aff", "--kind", "image"]) == 2
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "1 kind(s) for 2 volume(s)" in lines[0], lines
