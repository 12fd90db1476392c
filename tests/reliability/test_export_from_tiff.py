"""A BioImage Model Zoo export takes its test input from a TIFF as from HDF5 or Zarr: with
`--test-input stack.tif` and from the config's TIFF training image (TIFF holds one array, so the
config's image key does not apply)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
import tifffile

from tests.lightning.conftest import LUCCHI

pytest.importorskip("bioimageio.spec")


def _package_test_input(package: Path) -> np.ndarray:
    import io

    with zipfile.ZipFile(package) as archive:
        return np.load(io.BytesIO(archive.read("test_input.npy")))


@pytest.fixture
def tiff_run(tmp_path, tiny_data, overrides, cli):
    """A one-epoch run trained from TIFF copies of the tiny volumes; (checkpoint, test TIFF)."""
    tifs = {}
    for name in ("train_image", "train_label", "test_image", "test_label"):
        key = "raw" if name.endswith("image") else "label"
        with h5py.File(tiny_data[name]) as f:
            tifs[name] = tmp_path / f"{name}.tif"
            tifffile.imwrite(tifs[name], f[key][:])
    tiff_overrides = [f"data.{k}={v}" for k, v in tifs.items()]
    code, _, err = cli("train", "--config", LUCCHI, *overrides, *tiff_overrides)
    assert code == 0, err
    return tmp_path / "run" / "last.ckpt", tifs["test_image"]


def test_bioimageio_export_from_tiff(tiff_run, tmp_path, cli):
    checkpoint, test_tif = tiff_run
    export = ["export", "--checkpoint", checkpoint, "--format", "bioimageio"]
    window = (8, 16, 16)

    given = tmp_path / "given.zip"
    code, _, err = cli(*export, "--output", given, "--test-input", test_tif)
    assert code == 0, err
    expected = tifffile.imread(test_tif)[: window[0], : window[1], : window[2]]
    np.testing.assert_array_equal(_package_test_input(given)[0, 0], expected)

    # without --test-input: the config's test image, a TIFF too
    default = tmp_path / "default.zip"
    code, _, err = cli(*export, "--output", default)
    assert code == 0, err
    np.testing.assert_array_equal(_package_test_input(default)[0, 0], expected)


def test_predict_from_a_package_takes_overrides(tiff_run, tmp_path, cli):
    """`predict --checkpoint model.zip key=value`: overrides apply to the packaged config,
    validated as any config."""
    checkpoint, test_tif = tiff_run
    package = tmp_path / "model.zip"
    code, _, err = cli(
        "export", "--checkpoint", checkpoint, "--format", "bioimageio", "--output", package
    )
    assert code == 0, err
    predict = ["predict", "--checkpoint", package, "--input", test_tif]
    plain, small = tmp_path / "plain.zarr", tmp_path / "small.zarr"
    assert cli(*predict, "--output", plain)[0] == 0
    code, _, err = cli(*predict, "--output", small, "inference.output_dtype=uint8")
    assert code == 0, err
    from connectomics.data.io import open_volume

    floats = np.asarray(open_volume(f"{plain}:prediction")[:])
    scaled = np.asarray(open_volume(f"{small}:prediction")[:])
    assert floats.dtype == np.float32 and scaled.dtype == np.uint8
    assert np.abs(scaled / 255.0 - floats).max() <= 1 / 255 + 1e-6

    code, _, err = cli(*predict, "--output", tmp_path / "x.zarr", "inference.output_dtyp=uint8")
    assert code == 2 and err.startswith("error:") and "output_dtype" in err
    assert not (tmp_path / "x.zarr").exists()
