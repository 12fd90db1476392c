"""Blockwise evaluation equals the in-memory metrics."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from connectomics.data.blockwise import Engine, blockwise_contingency, evaluate_blockwise
from connectomics.data.errors import DataError
from connectomics.data.evaluation import evaluate_instances
from connectomics.data.io import write_volume
from connectomics.metrics import contingency_table

METRICS = ("adapted_rand", "voi", "cremi", "ap")


def check_equal(blockwise: dict, in_memory: dict) -> None:
    assert blockwise.keys() == in_memory.keys()
    for key, value in in_memory.items():
        assert blockwise[key] == pytest.approx(value, abs=1e-9, rel=0), key


@pytest.mark.parametrize("block_size", [(5, 7, 9), (16, 40, 64), 1000])
def test_real_labels_against_a_perturbed_copy(tmp_path, medulla_test, block_size):
    with h5py.File(medulla_test, "r") as file:
        gt = file["label"][:32, :80, :96]
    rng = np.random.default_rng(0)
    # a "segmentation": some neurons merged, others split along z, noise flipped to background
    seg = gt.astype(np.int64) % 37
    seg[16:] += 1000 * (seg[16:] > 0)
    seg[rng.random(seg.shape) < 0.02] = 0
    seg = seg.astype(np.uint32)
    write_volume(tmp_path / "seg.zarr", seg[None], chunks=(1, 8, 32, 32))
    write_volume(tmp_path / "gt.h5", gt, key="label")
    in_memory = evaluate_instances(seg, gt, METRICS)
    blockwise = evaluate_blockwise(
        str(tmp_path / "seg.zarr"),
        str(tmp_path / "gt.h5") + ":label",
        METRICS,
        block_size,
        Engine(num_workers=2),
    )
    assert 0.05 < in_memory["adapted_rand"] < 0.95
    check_equal(blockwise, in_memory)


@pytest.mark.parametrize("ignore", [(0,), ()])
def test_random_labels_and_the_table_itself(ignore):
    rng = np.random.default_rng(1)
    seg = rng.integers(0, 40, (11, 17, 23)).astype(np.uint16)
    gt = rng.integers(0, 25, (11, 17, 23)).astype(np.uint32)
    whole = contingency_table(seg, gt)
    table = blockwise_contingency(seg, gt, (4, 5, 6), Engine(scheduler="synchronous"))
    for name in ("gt_ids", "seg_ids", "rows", "cols", "counts"):
        np.testing.assert_array_equal(getattr(table, name), getattr(whole, name))
    check_equal(
        evaluate_blockwise(seg, gt, METRICS, 7, ignore_labels=ignore),
        evaluate_instances(seg, gt, METRICS, ignore_labels=ignore),
    )


def test_mismatched_inputs_are_data_errors():
    with pytest.raises(DataError, match="same volume"):
        evaluate_blockwise(np.zeros((4, 4, 4), np.uint32), np.zeros((4, 4, 5), np.uint32))
    with pytest.raises(DataError, match="integer labels"):
        evaluate_blockwise(np.zeros((4, 4, 4), np.float32), np.zeros((4, 4, 4), np.uint32))


def test_run_lengths_blockwise_follow_the_whole_volume_skeletons(medulla_test):
    """erl and merge/split counts from skeletons thinned block by block (with a halo) stay
    within a few percent of the whole volume's, for a perfect and a damaged segmentation."""
    with h5py.File(medulla_test, "r") as file:
        gt = file["label"][:32, :80, :96].astype(np.uint32)
    damaged = gt.astype(np.int64) % 37  # label ids that share a residue merge
    damaged[:, :, 48:] += 1000 * (damaged[:, :, 48:] > 0)  # every neuron cut at x = 48
    damaged = damaged.astype(np.uint32)
    metrics = ("adapted_rand", "erl", "merge_split")
    engine = Engine(scheduler="synchronous")
    for seg in (gt, damaged):
        whole = evaluate_instances(seg, gt, metrics, voxel_size=(10.0, 8.0, 8.0))
        blocks = evaluate_blockwise(seg, gt, metrics, (16, 40, 32), engine, voxel_size=(10, 8, 8))
        assert blocks.keys() == whole.keys()
        assert blocks["adapted_rand"] == pytest.approx(whole["adapted_rand"], abs=1e-12)
        for key in ("erl", "erl_max"):
            assert blocks[key] == pytest.approx(whole[key], rel=0.05), key
        assert blocks["skeleton_merges"] == whole["skeleton_merges"]
        assert blocks["skeleton_splits"] == pytest.approx(whole["skeleton_splits"], rel=0.1, abs=3)
    assert whole["erl_normalized"] < 0.7 and whole["skeleton_merges"] > 0  # damaged: it counts
    assert whole["erl_max"] > 100  # nanometres: the voxel size weighs the edges
