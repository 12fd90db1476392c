"""Blockwise connected components equal the whole-volume decoders up to a relabelling."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from connectomics.config.errors import ConfigError
from connectomics.data.blockwise import Engine, decode_blockwise
from connectomics.data.decoding import decode
from connectomics.data.errors import DataError
from connectomics.data.io import open_volume, write_volume
from tests.data.blockwise_helpers import same_partition


def blockwise(tmp_path, prediction, name, block_size, **kwargs):
    path = tmp_path / "prediction.zarr"
    write_volume(path, prediction, overwrite=True)
    report = decode_blockwise(
        path, tmp_path / "seg.zarr", name, block_size, Engine(num_workers=2), True, **kwargs
    )
    return report, open_volume(str(tmp_path / "seg.zarr") + ":segmentation").read()


# the finest grid is the slowest: it runs in `nox -s slow`, the others in the README suite
BLOCKS = [pytest.param((4, 5, 4), marks=pytest.mark.slow), (3, 11, 16), 64]


@pytest.mark.parametrize("block_size", BLOCKS)
@pytest.mark.parametrize("connectivity", [6, 26])
def test_binary_cc_on_random_probabilities(tmp_path, block_size, connectivity):
    rng = np.random.default_rng(connectivity)
    prediction = rng.random((1, 13, 22, 17)).astype(np.float32)
    options = {"threshold": 0.7 if connectivity == 6 else 0.93, "connectivity": connectivity}
    whole = decode("binary_cc", prediction, **options)
    report, labels = blockwise(tmp_path, prediction, "binary_cc", block_size, **options)
    assert whole.max() > 20
    assert report.n_objects == whole.max() == labels.max()
    assert same_partition(labels, whole)


def test_binary_cc_min_size_counts_objects_across_blocks(tmp_path):
    rng = np.random.default_rng(3)
    prediction = rng.random((1, 12, 20, 20)).astype(np.float32)
    whole = decode("binary_cc", prediction, threshold=0.6, min_size=5)
    _, labels = blockwise(tmp_path, prediction, "binary_cc", 4, threshold=0.6, min_size=5)
    assert same_partition(labels, whole)
    # with 4-voxel blocks, objects of >= 5 voxels exist only by joining blocks
    assert np.bincount(whole.ravel())[1:].min() >= 5


@pytest.mark.parametrize("block_size", BLOCKS)
def test_affinity_cc_on_random_affinities(tmp_path, block_size):
    rng = np.random.default_rng(1)
    prediction = rng.random((3, 12, 18, 21)).astype(np.float32)
    whole = decode("affinity_cc", prediction, threshold=0.7)
    report, labels = blockwise(tmp_path, prediction, "affinity_cc", block_size, threshold=0.7)
    assert whole.max() > 50 and report.n_objects == whole.max()
    assert same_partition(labels, whole)


def test_2d_affinities(tmp_path):
    prediction = np.random.default_rng(2).random((2, 40, 33)).astype(np.float32)
    whole = decode("affinity_cc", prediction, threshold=0.6)
    _, labels = blockwise(tmp_path, prediction, "affinity_cc", (9, 7), threshold=0.6)
    assert same_partition(labels, whole)


def real_affinities(path) -> tuple[np.ndarray, np.ndarray]:
    """Nearest-neighbour affinities of real neuron labels (1 inside a neuron, else 0)."""
    with h5py.File(path, "r") as file:
        label = file["label"][:20, :64, :64]
    affs = np.zeros((3, *label.shape), dtype=np.float32)
    for axis in range(3):
        here = [slice(None)] * 3
        back = [slice(None)] * 3
        here[axis], back[axis] = slice(1, None), slice(None, -1)
        same = (label[tuple(here)] == label[tuple(back)]) & (label[tuple(here)] > 0)
        affs[axis][tuple(here)] = same
    return label, affs


@pytest.mark.parametrize(
    "block_size", [pytest.param((7, 16, 16), marks=pytest.mark.slow), (10, 30, 23)]
)
def test_real_neuron_labels(tmp_path, medulla_train, block_size):
    label, affs = real_affinities(medulla_train)
    whole = decode("affinity_cc", affs)
    _, labels = blockwise(tmp_path, affs, "affinity_cc", block_size)
    assert same_partition(labels, whole)
    assert whole.max() > 10
    foreground = (label > 0).astype(np.float32)[None]
    whole = decode("binary_cc", foreground)
    _, labels = blockwise(tmp_path, foreground, "binary_cc", block_size)
    assert same_partition(labels, whole)


def test_uint8_prediction_and_hdf5_input(tmp_path):
    prediction = (np.random.default_rng(4).random((1, 9, 30, 30)) * 255).astype(np.uint8)
    write_volume(tmp_path / "p.h5", prediction, key="prediction")
    whole = decode("binary_cc", prediction, threshold=0.55)
    decode_blockwise(
        str(tmp_path / "p.h5") + ":prediction",
        tmp_path / "s.zarr:ids",
        "binary_cc",
        8,
        threshold=0.55,
    )
    assert same_partition(open_volume(str(tmp_path / "s.zarr") + ":ids").read(), whole)


def test_bad_arguments_are_data_errors(tmp_path):
    prediction = np.random.default_rng(0).random((1, 8, 8, 8)).astype(np.float32)
    write_volume(tmp_path / "p.zarr", prediction)
    with pytest.raises(DataError, match="no blockwise form"):
        decode_blockwise(tmp_path / "p.zarr", tmp_path / "s.zarr", "binary_contour_watershed", 4)
    with pytest.raises(ConfigError, match="bias: not a parameter of decoder 'binary_cc'"):
        decode_blockwise(tmp_path / "p.zarr", tmp_path / "s.zarr", "binary_cc", 4, bias=1)
    with pytest.raises(DataError, match="Zarr store"):
        decode_blockwise(tmp_path / "p.zarr", tmp_path / "s.h5", "binary_cc", 4)
    with pytest.raises(DataError, match="block size"):
        decode_blockwise(tmp_path / "p.zarr", tmp_path / "s.zarr", "binary_cc", (4, 4))
    decode_blockwise(tmp_path / "p.zarr", tmp_path / "s.zarr", "binary_cc", 4)
    with pytest.raises(DataError, match="another blockwise run"):
        decode_blockwise(tmp_path / "p.zarr", tmp_path / "s.zarr", "binary_cc", 4, threshold=0.2)
