"""ERL and skeleton merge/split counts on constructed cases, by value."""

from __future__ import annotations

import numpy as np
import pytest

from connectomics.data.evaluation import evaluate
from connectomics.data.evaluation.run_length import run_length_scores, skeletonize_labels


def _rods():
    """Three straight rods along x (lengths 29, 19 and 9 voxel steps) in a 3D volume."""
    gt = np.zeros((9, 20, 40), np.int64)
    gt[3:6, 2:5, 5:35] = 1  # 30 voxels long: skeleton of 30 nodes, 29 unit edges
    gt[3:6, 9:12, 5:25] = 2
    gt[3:6, 15:18, 5:15] = 3
    return gt


def test_skeleton_of_a_rod_is_its_axis():
    graph = skeletonize_labels(_rods())
    lengths = graph.object_lengths()
    assert lengths == {
        1: pytest.approx(29, abs=2),
        2: pytest.approx(19, abs=2),
        3: pytest.approx(9, abs=2),
    }


def test_perfect_segmentation_scores_the_length_weighted_mean():
    gt = _rods()
    graph = skeletonize_labels(gt)
    lengths = np.array(list(graph.object_lengths().values()))
    scores = run_length_scores(gt * 7, gt, skeletons=graph)  # other ids, same partition
    assert scores["erl"] == pytest.approx((lengths**2).sum() / lengths.sum())
    assert scores["erl_normalized"] == pytest.approx(1.0)
    assert scores["skeleton_merges"] == 0 and scores["skeleton_splits"] == 0


def test_merge_zeroes_the_merged_objects_and_split_halves_runs():
    gt = _rods()
    graph = skeletonize_labels(gt)
    length = graph.object_lengths()
    total = sum(length.values())
    merged = gt.copy()
    merged[merged == 2] = 1  # objects 1 and 2 in one segment: their runs count 0
    scores = run_length_scores(merged, gt, skeletons=graph)
    assert scores["erl"] == pytest.approx(length[3] ** 2 / total)
    assert scores["skeleton_merges"] == 1
    split = gt.copy()
    split[(gt == 1) & (np.arange(40) >= 20)] = 9  # cut rod 1 between x = 19 and 20
    scores = run_length_scores(split, gt, skeletons=graph)
    # the rod's skeleton edges on either side of the cut: two runs
    x = graph.coords[graph.edges, 2]
    rod = graph.object_ids[graph.edges[:, 0]] == 1
    halves = [
        graph.lengths[rod & (x < 20).all(1)].sum(),
        graph.lengths[rod & (x >= 20).all(1)].sum(),
    ]
    assert min(halves) > 8
    expected = (sum(h**2 for h in halves) + length[2] ** 2 + length[3] ** 2) / total
    assert scores["erl"] == pytest.approx(expected)
    assert scores["skeleton_splits"] >= 1 and scores["skeleton_merges"] == 0


def test_in_evaluate_with_voxel_size():
    gt = _rods()
    scores = evaluate(gt, gt, metrics=["adapted_rand", "erl"], voxel_size=(10.0, 10.0, 10.0))
    assert scores["adapted_rand"] == pytest.approx(0.0)
    assert scores["erl_normalized"] == pytest.approx(1.0)
    assert scores["erl"] == pytest.approx(10 * run_length_scores(gt, gt)["erl"])
