"""Evaluation: metric dispatch, flat score dicts, reports, and clear errors."""

import json

import h5py
import numpy as np
import pytest
from skimage.metrics import adapted_rand_error as sk_adapted_rand
from skimage.metrics import variation_of_information as sk_voi

from connectomics.config import load_config
from connectomics.config.errors import ConfigError
from connectomics.data.errors import DataError
from connectomics.data.evaluation import (
    evaluate,
    evaluate_instances,
    evaluate_semantic,
    format_report,
    write_report,
)


def _instances() -> np.ndarray:
    gt = np.zeros((4, 12, 12), np.uint32)
    gt[:, 1:5, 1:5] = 1
    gt[:, 6:11, 2:10] = 2
    gt[:, 1:5, 7:11] = 3
    return gt


def test_semantic_scores_of_a_probability_map_by_hand():
    gt = np.array([[1, 0], [2, 0]])  # gt foreground: left column (labels count as foreground)
    prob = np.array([[[0.9, 0.7], [0.2, 0.1]]])  # (1, Y, X): foreground top row at 0.5
    scores = evaluate_semantic(prob, gt, ["dice", "iou", "precision", "recall", "f1"])
    assert scores == pytest.approx(
        {"dice": 0.5, "iou": 1 / 3, "precision": 0.5, "recall": 0.5, "f1": 0.5}
    )
    assert evaluate_semantic(prob, gt, ["recall"], threshold=0.8) == {"recall": 0.5}
    assert evaluate_semantic(prob, gt, ["precision"], threshold=0.8) == {"precision": 1.0}


def test_semantic_class_scores_use_argmax_and_mean_over_classes():
    gt = np.array([[0, 1], [2, 2]])
    scores = np.zeros((3, 2, 2), np.float32)
    for c, (y, x) in zip([0, 1, 2, 1], [(0, 0), (0, 1), (1, 0), (1, 1)]):
        scores[c, y, x] = 1.0
    # argmax [[0,1],[2,1]]: class 1 IoU 1/2, class 2 IoU 1/2.
    assert evaluate_semantic(scores, gt, ["iou"]) == pytest.approx({"iou": 0.5})


def test_instance_scores_are_a_flat_dict_matching_skimage():
    gt = _instances()
    seg = gt.copy()
    seg[seg == 3] = 2  # a false merge
    seg[:, 1:5, 1:3] = 7  # a false split of instance 1
    scores = evaluate_instances(seg, gt, ["adapted_rand", "voi", "cremi", "ap"])
    error, _, _ = sk_adapted_rand(gt, seg)
    split, merge = sk_voi(gt, seg, ignore_labels=(0,))
    assert scores["adapted_rand"] == pytest.approx(error, abs=1e-9)
    assert (scores["voi_split"], scores["voi_merge"]) == pytest.approx((split, merge), abs=1e-9)
    assert scores["voi"] == pytest.approx(split + merge)
    assert scores["cremi"] == pytest.approx(np.sqrt((split + merge) * error))
    # Matches at IoU 0.5: instance 1 (IoU 1/2 with the larger piece), instance 2 (IoU 40/56):
    # TP 2, FP 1 (the split piece), FN 1 (instance 3) -> 2/4. At 0.75 nothing matches.
    assert scores["ap50"] == pytest.approx(0.5)
    assert scores["ap75"] == pytest.approx(0.0)
    assert all(isinstance(value, float) for value in scores.values())
    perfect = evaluate_instances((gt * 5)[None], gt)
    assert perfect["adapted_rand"] == 0.0 and perfect["voi"] == 0.0 and perfect["ap"] == 1.0


def test_real_labels_score_worse_when_perturbed(medulla_train):
    with h5py.File(medulla_train, "r") as f:
        gt = f["label"][:16, :64, :64]
    shifted = np.roll(gt, 2, axis=1)
    good = evaluate_instances(gt, gt, ["adapted_rand", "voi"])
    bad = evaluate_instances(shifted, gt, ["adapted_rand", "voi"])
    assert good["adapted_rand"] == 0.0 and bad["adapted_rand"] > 0.01
    assert bad["voi"] > good["voi"]
    assert bad["adapted_rand"] == pytest.approx(sk_adapted_rand(gt, shifted)[0], abs=1e-6)


def test_evaluate_dispatches_on_config_metrics():
    cfg = load_config(
        "demo", overrides=["evaluation.metrics=[dice,adapted_rand,ap]", "evaluation.threshold=0.5"]
    )
    gt = _instances()
    scores = evaluate(gt, gt, cfg)
    assert scores["dice"] == 1.0 and scores["adapted_rand"] == 0.0 and scores["ap50"] == 1.0
    assert "voi" not in scores and "iou" not in scores
    assert evaluate(gt, gt, cfg.evaluation).keys() == scores.keys()
    with pytest.raises(DataError, match="decode"):
        evaluate(gt.astype(np.float32), gt, cfg)


def test_ignore_labels_from_config_change_the_score():
    gt = _instances()
    seg = gt.copy()
    seg[seg == 0] = 9  # background predicted as one big object
    cfg = load_config("demo", overrides=["evaluation.metrics=[adapted_rand]"])
    assert evaluate(seg, gt, cfg)["adapted_rand"] == 0.0
    cfg.evaluation.ignore_labels = []
    assert evaluate(seg, gt, cfg)["adapted_rand"] == pytest.approx(
        sk_adapted_rand(gt, seg, ignore_labels=())[0]
    )


def test_unknown_metric_names_list_the_valid_ones():
    gt = _instances()
    message = r"evaluation.metrics\[0\]: unknown metric 'dise'; did you mean dice\? .*adapted_rand"
    with pytest.raises(ConfigError, match=message):
        load_config("demo", overrides=["evaluation.metrics=[dise]"])
    with pytest.raises(ConfigError, match="unknown metric 'dise'; did you mean dice"):
        evaluate(gt, gt, metrics=["dise"])
    with pytest.raises(ConfigError, match="other kind"):
        evaluate_semantic(gt, gt, ["voi"])


def test_shape_mismatch_is_a_data_error():
    with pytest.raises(DataError, match="shape"):
        evaluate_instances(np.zeros((2, 3), np.uint8), np.zeros((3, 3), np.uint8))
    with pytest.raises(DataError, match="shape"):
        evaluate_semantic(np.zeros((2, 3)), np.zeros((3, 3)))


def test_report_table_and_json(tmp_path):
    results = {"adapted_rand": 0.125, "voi_split": 1.5, "ap50": 1.0}
    table = format_report(results).splitlines()
    assert table[0].split() == ["metric", "value"]
    rows = table[2:]
    assert [row.split()[0] for row in rows] == list(results)
    assert float(rows[0].split()[1]) == 0.125
    assert len({len(row) for row in rows}) == 1  # aligned columns
    path = write_report(results, tmp_path / "sub" / "scores.json")
    assert json.loads(path.read_text()) == results


def test_evaluate_scores_probabilities_and_their_segmentation_in_one_call():
    gt = _instances()
    probabilities = (gt > 0).astype(np.float32) * 0.8
    probabilities[0] = 0.0  # one section missed: Dice below 1
    segmentation = gt.copy()
    segmentation[0] = 0
    cfg = load_config("demo", overrides=["evaluation.metrics=[dice,adapted_rand]"])
    scores = evaluate(probabilities, gt, cfg, segmentation=segmentation)
    assert scores["dice"] == pytest.approx(evaluate_semantic(probabilities, gt, ["dice"])["dice"])
    assert scores["dice"] < 1.0
    assert scores["adapted_rand"] == pytest.approx(sk_adapted_rand(gt, segmentation)[0], abs=1e-6)
    with pytest.raises(DataError, match="decode"):
        evaluate(probabilities, gt, cfg)  # no segmentation for the instance metric


def test_evaluate_counts_the_table_the_way_it_is_given():
    from connectomics.data.blockwise import blockwise_contingency

    gt = _instances()
    seg = np.roll(gt, 1, axis=1)
    whole = evaluate(seg, gt, metrics=["adapted_rand", "voi"])
    calls = []

    def by_blocks(first, second):
        calls.append(1)
        return blockwise_contingency(first, second, block_size=4)

    blocks = evaluate(seg, gt, metrics=["adapted_rand", "voi"], contingency=by_blocks)
    assert calls and blocks == pytest.approx(whole)


def test_default_metrics_follow_what_the_volume_holds():
    gt = _instances()
    assert set(evaluate(gt, gt)) >= {"adapted_rand", "voi"}
    assert set(evaluate(gt.astype(np.float32), gt)) == {"dice", "iou"}
