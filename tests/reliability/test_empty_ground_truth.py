"""An all-zero ground truth is reported as undefined (NaN + warning), never as a perfect score."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest


def _segmentation() -> np.ndarray:
    seg = np.zeros((4, 8, 8), np.uint32)
    seg[1:3, 2:6, 2:6] = 1
    return seg


def test_evaluate_instances_warns_and_reports_nan_for_empty_ground_truth():
    from connectomics.data.evaluation import evaluate_instances
    from connectomics.data.evaluation.instance import EmptyGroundTruthWarning

    with pytest.warns(EmptyGroundTruthWarning, match="no labelled voxel"):
        scores = evaluate_instances(_segmentation(), np.zeros((4, 8, 8), np.uint32))
    for key in ("adapted_rand", "voi", "voi_split", "voi_merge", "ap"):
        assert math.isnan(scores[key]), (key, scores[key])
    assert scores["n_gt_instances"] == 0 and scores["n_pred_instances"] == 1


def test_core_metrics_are_nan_without_ground_truth_voxels():
    from connectomics.metrics import adapted_rand_error, voi

    empty = np.zeros((4, 8, 8), np.uint32)
    assert all(
        math.isnan(v) for v in adapted_rand_error(_segmentation(), empty, ignore_labels=(0,))
    )
    assert math.isnan(voi(_segmentation(), empty, ignore_labels=(0,)).total)
    # one labelled voxel is enough to be defined again
    empty[0, 0, 0] = 1
    assert math.isfinite(adapted_rand_error(_segmentation(), empty).error)


def test_cli_evaluate_warns_in_one_line_and_writes_null(cli, tmp_path):
    from connectomics.data.io import write_volume

    write_volume(str(tmp_path / "seg.h5"), _segmentation(), key="seg")
    write_volume(str(tmp_path / "gt.h5"), np.zeros((4, 8, 8), np.uint32), key="label")
    code, out, err = cli(
        "evaluate",
        "--prediction",
        f"{tmp_path / 'seg.h5'}:seg",
        "--label",
        f"{tmp_path / 'gt.h5'}:label",
        "--json",
        tmp_path / "scores.json",
    )
    assert code == 0
    assert err.strip().startswith("warning: the ground truth holds no labelled voxel")
    assert len(err.strip().splitlines()) == 1
    assert "nan" in out and "0.000000" not in out.split("adapted_rand")[1].splitlines()[0]
    report = json.loads((tmp_path / "scores.json").read_text())
    assert report["adapted_rand"] is None and report["voi"] is None
