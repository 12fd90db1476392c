"""Blockwise watershed + agglomeration: stable across block sizes, as good as in memory."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import zarr
from scipy import ndimage

from connectomics.data.blockwise import BlockGrid, Engine, decode_blockwise, graph
from connectomics.data.blockwise.graph import agglomerate_mean_affinity, merge_edges
from connectomics.data.decoding import decode
from connectomics.data.decoding.affinity_waterz import MEAN_AFFINITY, merge_scores
from connectomics.data.decoding.merge_gap import merge_gap_threshold
from connectomics.data.errors import DataError
from connectomics.data.evaluation import evaluate_instances
from connectomics.data.io import open_volume, write_volume
from tests.data.blockwise_helpers import same_partition


def test_merged_regions_score_their_whole_boundary():
    # 1-2 join first (mean 0.9); then {1,2}-3 has mean (0.55 + 0.4) / 2 < 0.5: no merge,
    # although 1-3 alone (0.55) would pass. 4-5 and 4-6: counts weigh the means.
    u, v, sums, counts = merge_edges(
        [
            (np.array([1, 2, 1]), np.array([2, 3, 3]), np.array([0.9, 0.4, 0.55]), np.ones(3)),
            (np.array([4, 5]), np.array([5, 6]), np.array([2.8, 0.2]), np.array([4, 1])),
            (np.array([4]), np.array([6]), np.array([2.1]), np.array([3])),
        ]
    )
    assert u.tolist() == [1, 1, 2, 4, 4, 5] and counts.tolist() == [1, 1, 1, 4, 3, 1]
    objects = agglomerate_mean_affinity(6, u, v, sums, counts, threshold=0.5)
    assert objects[1] == objects[2] != objects[3]
    assert objects[4] == objects[5] == objects[6]
    assert len({objects[1], objects[3], objects[4], objects[0]}) == 4


@pytest.mark.parametrize("round_merges", [0.0, 0.01])
def test_rounds_of_mutual_best_pairs_merge_like_one_pair_at_a_time(monkeypatch, round_merges):
    """Merging all mutual lowest-scoring pairs per round (all rounds, or until few merge and
    the heap takes over) ends with the same objects as merging one lowest pair at a time."""
    monkeypatch.setattr(graph, "ROUND_MERGES", round_merges)
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(2, 80))
        a, b = rng.integers(1, n + 1, (2, int(rng.integers(1, 4 * n))))
        hub = rng.random(len(a)) < 0.2  # some regions touch many others
        a[hub] = 1
        keep = a != b
        count = rng.integers(1, 20, int(keep.sum()))
        u, v, sums, counts = merge_edges(
            [
                (
                    np.minimum(a, b)[keep],
                    np.maximum(a, b)[keep],
                    rng.random(len(count)) * count,
                    count,
                )
            ]
        )
        threshold = float(rng.random())
        scores: list[float] = []
        objects = agglomerate_mean_affinity(n, u, v, sums, counts, threshold, scores)
        one_at_a_time, heap_scores = np.arange(n + 1), []
        graph._merge_from_heap(
            one_at_a_time, u, v, sums, counts.astype(float), threshold, heap_scores
        )
        while not np.array_equal(one_at_a_time[one_at_a_time], one_at_a_time):
            one_at_a_time = one_at_a_time[one_at_a_time]
        assert same_partition(objects, one_at_a_time)
        # one score per merge, each below the threshold, the same scores either way
        assert len(scores) == n + 1 - len(np.unique(objects))
        assert all(score < threshold for score in scores)
        np.testing.assert_allclose(sorted(scores), sorted(heap_scores), atol=1e-12)


def test_stored_lookup_maps_block_fragments_to_objects(tmp_path):
    """The driver keeps no lookup: each block's ids are one range of the stored lookup."""
    affs = np.random.default_rng(4).random((3, 12, 20, 20)).astype(np.float32)
    write_volume(tmp_path / "a.zarr", affs)
    decode_blockwise(tmp_path / "a.zarr", tmp_path / "s.zarr", "affinity_waterz", 10)
    group = zarr.open_group(str(tmp_path / "s.zarr"), mode="r")
    counts = group["fragment_counts"][:]
    assert group["lookup"].shape == (counts.sum() + 1,) and len(counts) == 8
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    grid = BlockGrid.build((12, 20, 20), 10)
    fragments, segmentation = group["fragments"][:], group["segmentation"][:]
    for block_id, box in enumerate(grid.boxes):
        region = tuple(slice(*span) for span in box)
        local = fragments[region].astype(np.int64)
        expected = np.where(local > 0, group["lookup"][:][local + offsets[block_id]], 0)
        assert np.array_equal(segmentation[region], expected)
        edges = group["edges"][str(block_id)][:].reshape(4, -1)
        # the block's stored edges join fragments of this block or of blocks before it
        assert (edges[1] <= offsets[block_id] + counts[block_id]).all()
    assert len(np.unique(segmentation)) > 2


@pytest.fixture(scope="module")
def real_affinities(medulla_test, tmp_path_factory):
    """Affinities of the real test labels, blurred and noisy (a non-degenerate prediction)."""
    with h5py.File(medulla_test, "r") as file:
        label = file["label"][:]
    affs = np.zeros((3, *label.shape), dtype=np.float32)
    for axis in range(3):
        here, back = [slice(None)] * 3, [slice(None)] * 3
        here[axis], back[axis] = slice(1, None), slice(None, -1)
        affs[axis][tuple(here)] = (label[tuple(here)] == label[tuple(back)]) & (
            label[tuple(here)] > 0
        )
    noise = np.random.default_rng(0).normal(0, 0.1, affs.shape)
    affs = np.clip(ndimage.gaussian_filter(affs, (0, 1, 1, 1)) + noise, 0, 1).astype(np.float32)
    path = tmp_path_factory.mktemp("affs") / "affs.zarr"
    write_volume(path, affs, chunks=(3, 25, 50, 50))
    return path, affs, label


@pytest.mark.slow
def test_block_size_stability_and_quality(real_affinities, tmp_path):
    path, affs, label = real_affinities
    segmentations = {}
    for block in [(50, 100, 200), (25, 50, 64), (16, 40, 48)]:
        output = tmp_path / f"{block[0]}.zarr"
        decode_blockwise(path, output, "affinity_waterz", block, Engine(num_workers=2))
        segmentations[block] = open_volume(f"{output}:segmentation").read()
    one_block = segmentations.pop((50, 100, 200))
    for segmentation in segmentations.values():
        # the guarantee: block size changes adapted Rand by <= 0.01
        assert (
            evaluate_instances(segmentation, one_block, ["adapted_rand"], ())["adapted_rand"]
            <= 0.01
        )
    whole_volume = decode("affinity_waterz", affs)
    whole = evaluate_instances(whole_volume, label, ["adapted_rand"])
    for segmentation in [one_block, *segmentations.values()]:
        score = evaluate_instances(segmentation, label, ["adapted_rand"])["adapted_rand"]
        # within 0.02 of the whole-volume decoder, against the ground truth and directly
        assert score <= whole["adapted_rand"] + 0.02 and score < 0.05
        direct = evaluate_instances(segmentation, whole_volume, ["adapted_rand"], ())
        assert direct["adapted_rand"] <= 0.02
    # one block covering the volume is the whole-volume decoder (same fragments, same merges)
    assert evaluate_instances(one_block, whole_volume, ["adapted_rand"], ())["adapted_rand"] < 1e-3


@pytest.mark.slow  # a fresh process or a long run: kept out of the README suite's 5 minutes
def test_resume_and_min_size(real_affinities, tmp_path):
    path, _, _ = real_affinities
    output = tmp_path / "seg.zarr"
    engine = Engine(scheduler="synchronous")
    first = decode_blockwise(path, output, "affinity_waterz", (25, 50, 100), engine, min_size=500)
    labels = open_volume(f"{output}:segmentation").read()
    sizes = np.bincount(labels.ravel())[1:]
    assert sizes.min() >= 500 and len(sizes) == first.n_objects
    again = decode_blockwise(path, output, "affinity_waterz", (25, 50, 100), engine, min_size=500)
    assert again.computed == [] and again.n_objects == first.n_objects


def test_one_voxel_boundaries_of_synthetic_neurons(tmp_path):
    """Dense cells whose boundaries are single low-affinity edges (no blur) stay apart."""
    from connectomics.data.synthetic import make_neuron_volume
    from connectomics.data.targets import compute_affinities

    _, label = make_neuron_volume((48, 48, 48), seed=1)
    affs, _ = compute_affinities(label, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    noise = np.random.default_rng(1).normal(0, 0.1, affs.shape).astype(np.float32)
    write_volume(tmp_path / "affs.zarr", np.clip(affs + noise, 0, 1))
    for block in (48, (16, 20, 24)):
        decode_blockwise(
            tmp_path / "affs.zarr", tmp_path / "s.zarr", "affinity_waterz", block, overwrite=True
        )
        labels = open_volume(f"{tmp_path}/s.zarr:segmentation").read()
        assert evaluate_instances(labels, label, ["adapted_rand"])["adapted_rand"] < 0.01
        assert abs(int(labels.max()) - int(label.max())) <= 0.05 * label.max()


def test_in_memory_waterz_kwargs_work_blockwise(tmp_path):
    affs = np.random.default_rng(2).random((3, 8, 16, 16)).astype(np.float32)
    write_volume(tmp_path / "a.zarr", affs)
    options = {"threshold": 0.3, "aff_threshold_low": 0.01, "aff_threshold_high": 0.99}
    decode_blockwise(tmp_path / "a.zarr", tmp_path / "s.zarr", "affinity_waterz", 8, **options)
    with pytest.raises(DataError, match="scoring_function"):
        decode_blockwise(
            tmp_path / "a.zarr",
            tmp_path / "t.zarr",
            "affinity_waterz",
            8,
            scoring_function="OneMinus<MaxAffinity<RegionGraphType, ScoreValue>>",
        )


def test_merge_gap_blockwise_reads_the_threshold_the_whole_volume_reads(medulla_train, tmp_path):
    """Membranes predicted at 0.5: a fixed 0.6 joins everything; merge_gap, read from the
    region graph of all blocks, finds the threshold the in-memory decoder finds and holds."""
    from tests.data.test_merge_gap import confident, neurons_of

    label = neurons_of(medulla_train)
    prediction = confident(label, 0.5)
    write_volume(tmp_path / "p.zarr", prediction, chunks=(3, 10, 32, 32))
    report = decode_blockwise(
        tmp_path / "p.zarr",
        tmp_path / "s.zarr",
        "affinity_waterz",
        (10, 32, 32),
        threshold="merge_gap",
    )
    blockwise = open_volume(f"{tmp_path}/s.zarr:segmentation").read()
    chosen = zarr.open_group(str(report.path), mode="r").attrs["threshold"]
    options = {"aff_threshold_low": 0.0001, "aff_threshold_high": 0.9999}
    in_memory = merge_gap_threshold(
        merge_scores(prediction, {**options, "scoring_function": MEAN_AFFINITY})
    )
    assert abs(chosen - in_memory) <= 0.05 and chosen < 0.6
    whole = decode("affinity_waterz", prediction, threshold="merge_gap")
    assert evaluate_instances(blockwise, label, ["adapted_rand"])["adapted_rand"] < 0.05
    assert evaluate_instances(blockwise, whole, ["adapted_rand"], ())["adapted_rand"] < 0.02
