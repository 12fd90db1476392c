"""Blockwise mutex watershed: per-block MWS stitched across faces equals the whole-volume one
on affinities of real neuron labels, and splits where the long-range edges say so."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from connectomics.data.decoding import decode
from connectomics.data.targets import compute_affinities
from tests.data.blockwise_helpers import same_partition
from tests.data.test_blockwise_cc import blockwise

OFFSETS = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [2, 0, 0], [0, 4, 0], [0, 0, 4]]


def _noisy_affinities(path):
    with h5py.File(path, "r") as file:
        label = file["label"][:16, :48, :48].astype(np.int64)
    affs, _ = compute_affinities(label, OFFSETS)
    rng = np.random.default_rng(0)
    noisy = np.clip(affs * 0.8 + 0.1 + rng.normal(0, 0.05, affs.shape), 0, 1)
    return label, noisy.astype(np.float32)


@pytest.mark.parametrize("block_size", [(8, 24, 24), (16, 16, 48)])
def test_blockwise_equals_whole_volume_on_real_labels(tmp_path, medulla_train, block_size):
    label, affs = _noisy_affinities(medulla_train)
    whole = decode("affinity_mws", affs, offsets=OFFSETS)
    _, labels = blockwise(tmp_path, affs, "affinity_mws", block_size, offsets=OFFSETS)
    assert whole.max() > 10
    assert same_partition(labels, whole)
    # no merge: every segment lies inside one ground-truth neuron
    pairs = np.unique(np.stack([whole.ravel(), label.ravel()], 1)[whole.ravel() > 0], axis=0)
    assert len(pairs) == len(np.unique(pairs[:, 0]))


def test_long_range_edges_split_what_short_ones_join(tmp_path):
    # two objects joined by a weak nearest-neighbour bridge above the bias; only the
    # long-range repulsion says they differ
    affs = np.ones((6, 4, 8, 16), np.float32)
    affs[2, :, :, 8] = 0.6  # x edge between x = 7 and 8: attractive (0.6 > bias 0.5)
    affs[5, :, :, 8:12] = 0.0  # x + 4 edges across the bridge: strongly repulsive
    whole = decode("affinity_mws", affs, offsets=OFFSETS)
    assert len(np.unique(whole)) == 2 and whole[0, 0, 0] != whole[0, 0, 15]
    _, labels = blockwise(tmp_path, affs, "affinity_mws", (4, 8, 16), offsets=OFFSETS)
    assert same_partition(labels, whole)
