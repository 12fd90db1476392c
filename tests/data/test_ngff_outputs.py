"""Voxel size in every output and OME-Zarr outputs with pyramids, read back by ome-zarr."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from ome_zarr.io import parse_url
from ome_zarr.reader import Label, Multiscales, Reader
from scipy import stats

from connectomics.data.blockwise import Engine, decode_blockwise
from connectomics.data.inference import predict_to_store
from connectomics.data.io import write_volume
from connectomics.data.io.ngff import downsample_factors
from connectomics.data.io.voxel_size import read_voxel_size

VOXEL = (10.0, 10.0, 10.0)  # the NeuroProof crop is 10 nm isotropic FIB-SEM


@pytest.fixture
def crop(em_data: Path) -> tuple[np.ndarray, np.ndarray]:
    """Raw and neuron ids of the real FIB-SEM crop (32 x 96 x 96)."""
    with h5py.File(em_data / "neuroproof_ts2_crop.h5") as f:
        return f["raw"][:], f["label"][:].astype(np.uint32)


def read_ngff(path: Path) -> tuple[list, list[list[float]], list[np.ndarray]]:
    """(node specs, scale per level, level arrays) of an OME-Zarr image through ome_zarr's reader."""
    node = next(iter(Reader(parse_url(str(path)))()))
    scales = [t[0]["scale"] for t in node.metadata["coordinateTransformations"]]
    return node.specs, scales, [np.asarray(level) for level in node.data]


def window_modes(labels: np.ndarray, factors: tuple[int, ...]) -> np.ndarray:
    """Reference: scipy's mode (smallest value on ties) of each window of `factors`."""
    shape = [n // f for n, f in zip(labels.shape, factors, strict=True)]
    trimmed = labels[tuple(slice(0, n * f) for n, f in zip(shape, factors, strict=True))]
    split = trimmed.reshape([v for n, f in zip(shape, factors, strict=True) for v in (n, f)])
    windows = split.transpose(0, 2, 4, 1, 3, 5).reshape(*shape, -1)
    return stats.mode(windows, axis=-1, keepdims=False).mode


def test_downsample_factors_keep_anisotropic_z_until_xy_catch_up():
    assert downsample_factors((40, 1024, 1024), (40.0, 4.0, 4.0)) == [
        (1, 2, 2),  # 40 x 8 x 8 nm
        (1, 2, 2),  # 40 x 16 x 16
        (1, 2, 2),  # 40 x 32 x 32: z is now under twice x and y
        (2, 2, 2),  # 80 x 64 x 64 nm, 20 x 64 x 64 voxels: the last level
    ]
    assert downsample_factors((64, 64, 64), None) == []


def test_segmentation_as_ome_zarr_labels_with_mode_pyramid(tmp_path, crop):
    _, labels = crop
    out = tmp_path / "seg.ome.zarr"
    write_volume(out, labels, voxel_size=VOXEL)
    specs, scales, levels = read_ngff(out)
    assert any(isinstance(s, Label) for s in specs) and any(
        isinstance(s, Multiscales) for s in specs
    )
    assert scales == [[10.0, 10.0, 10.0], [10.0, 20.0, 20.0]]
    np.testing.assert_array_equal(levels[0], labels)
    np.testing.assert_array_equal(levels[1], window_modes(labels, (1, 2, 2)))
    assert read_voxel_size(f"{out}:1") == (10.0, 20.0, 20.0)
    with pytest.raises(Exception, match="already exists"):
        write_volume(out, labels, voxel_size=VOXEL)


def _input_with_resolution(tmp_path: Path, raw: np.ndarray) -> str:
    """The crop's raw as HDF5 with a `resolution` attribute, as EM tools write it."""
    path = tmp_path / "raw.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("raw", data=raw)
        f["raw"].attrs["resolution"] = VOXEL
    return f"{path}:raw"


def test_predict_carries_voxel_size_and_writes_mean_pyramid(tmp_path, crop):
    from connectomics.data.io import open_volume

    raw, _ = crop
    image = open_volume(_input_with_resolution(tmp_path, raw))
    torch.manual_seed(0)
    model = torch.nn.Conv3d(1, 2, 3, padding=1)
    options = dict(window_size=(16, 48, 48), overlap=0.25, activation="sigmoid")
    plain = tmp_path / "pred.zarr"
    predict_to_store(model, image, plain, chunk_size=(32, 48, 48), **options)
    assert read_voxel_size(f"{plain}:prediction") == VOXEL
    h5 = tmp_path / "pred.h5"
    predict_to_store(model, image, h5, chunk_size=(32, 48, 48), **options)
    assert read_voxel_size(f"{h5}:prediction") == VOXEL

    ome = tmp_path / "pred.ome.zarr"
    predict_to_store(model, image, ome, chunk_size=(32, 48, 48), **options)
    specs, scales, levels = read_ngff(ome)
    assert scales == [[1.0, 10.0, 10.0, 10.0], [1.0, 10.0, 20.0, 20.0]]
    c, z, y, x = levels[0].shape
    expected = levels[0].reshape(c, z, y // 2, 2, x // 2, 2).mean(axis=(3, 5), dtype=np.float64)
    np.testing.assert_allclose(levels[1], expected, rtol=1e-6)
    assert levels[1].std() > 0  # a real prediction, not a constant
    assert read_voxel_size(f"{ome}:0") == VOXEL


def test_blockwise_decode_carries_voxel_size_into_plain_and_ome_zarr(tmp_path, crop):
    _, labels = crop
    from skimage.segmentation import find_boundaries

    # neuron interiors as foreground: their cell borders split them into components
    prediction = (~find_boundaries(labels)).astype(np.float32)[None]
    pred_path = tmp_path / "pred.zarr"
    write_volume(pred_path, prediction, voxel_size=VOXEL)
    plain = tmp_path / "seg.zarr"
    decode_blockwise(pred_path, plain, "binary_cc", 48, Engine(num_workers=1))
    assert read_voxel_size(f"{plain}:segmentation") == VOXEL

    ome = tmp_path / "seg.ome.zarr"
    decode_blockwise(pred_path, ome, "binary_cc", 48, Engine(num_workers=1))
    specs, scales, levels = read_ngff(ome)
    assert any(isinstance(s, Label) for s in specs)
    assert scales == [[10.0, 10.0, 10.0], [10.0, 20.0, 20.0]]
    np.testing.assert_array_equal(levels[1], window_modes(levels[0], (1, 2, 2)))
    assert levels[0].max() > 1  # several components were labelled


def test_unknown_voxel_size_stays_unknown(tmp_path, crop):
    raw, _ = crop
    out = tmp_path / "raw.ome.zarr"
    write_volume(out, raw)  # uint8 intensities, no voxel size known
    specs, scales, levels = read_ngff(out)
    assert not any(isinstance(s, Label) for s in specs)
    assert scales == [[1.0, 1.0, 1.0], [1.0, 2.0, 2.0]]  # in voxels
    mean = raw.reshape(32, 48, 2, 48, 2).mean(axis=(2, 4))
    np.testing.assert_array_equal(levels[1], np.rint(mean).astype(np.uint8))
    assert read_voxel_size(f"{out}:0") is None
