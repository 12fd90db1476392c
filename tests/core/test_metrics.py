"""Segmentation metrics: hand-worked cases, scikit-image as the reference, real EM labels."""

import math

import h5py
import numpy as np
import pytest
import torch
from skimage.metrics import adapted_rand_error as sk_adapted_rand
from skimage.metrics import variation_of_information as sk_voi

from connectomics.metrics import (
    adapted_rand_error,
    average_precision,
    contingency_table,
    cremi_score,
    dice,
    iou,
    match_instances,
    precision_recall_f1,
    voi,
)


def _check_against_skimage(seg: np.ndarray, gt: np.ndarray) -> None:
    """Our adapted Rand and VOI equal scikit-image's (for both ignore settings) to 1e-6."""
    error, sk_prec, sk_rec = sk_adapted_rand(gt, seg)
    ours = adapted_rand_error(seg, gt)
    assert ours.error == pytest.approx(error, abs=1e-6)
    # skimage returns precision and recall swapped with respect to its docs (issue #6485).
    assert ours.precision == pytest.approx(sk_rec, abs=1e-6)
    assert ours.recall == pytest.approx(sk_prec, abs=1e-6)
    for ignore in ((), (0,)):
        split, merge = sk_voi(gt, seg, ignore_labels=ignore)
        scores = voi(seg, gt, ignore_labels=ignore)
        assert scores.split == pytest.approx(split, abs=1e-6)
        assert scores.merge == pytest.approx(merge, abs=1e-6)


def test_all_merged_2x2_by_hand():
    # gt [[1,1],[2,2]], seg one segment. N=4, pair sums (sum n^2 - N): both 2^2+2^2-4=4,
    # gt 4, seg 4^2-4=12 -> precision 4/12, recall 4/4, F = 4/(6+2) -> error 0.5.
    # VOI: each gt segment lies in one seg segment -> split 0; the seg segment is half gt 1,
    # half gt 2 -> merge 1 bit. CREMI = sqrt((0 + 1) * 0.5).
    gt = np.array([[1, 1], [2, 2]])
    seg = np.ones((2, 2), dtype=np.int64)
    rand = adapted_rand_error(seg, gt)
    assert rand.error == pytest.approx(0.5)
    assert rand.precision == pytest.approx(1 / 3)
    assert rand.recall == pytest.approx(1.0)
    information = voi(seg, gt)
    assert (information.split, information.merge) == (pytest.approx(0.0), pytest.approx(1.0))
    assert cremi_score(seg, gt).cremi == pytest.approx(math.sqrt(0.5))


def test_background_of_gt_is_ignored_by_hand():
    # gt [[1,1],[0,2]] with 0 ignored leaves 3 voxels: (gt1,seg1) (gt1,seg2) (gt2,seg2).
    # No pair of voxels is together in both -> precision 0, recall 0, error 1.
    gt = np.array([[1, 1], [0, 2]])
    seg = np.array([[1, 2], [2, 2]])
    rand = adapted_rand_error(seg, gt)
    assert (rand.error, rand.precision, rand.recall) == (1.0, 0.0, 0.0)


def test_ignore_labels_option_by_hand():
    # gt [[1,1],[0,0]], seg [[1,1],[2,1]]. Ignoring gt 0: two voxels, together in both -> 0.
    # Counting gt 0: counts (1,1)=2 (0,2)=1 (0,1)=1, N=4 -> both 4+1+1-4=2, gt 4+4-4=4,
    # seg 3^2+1-4=6 -> F = 2/(3+2) -> error 0.6, precision 2/6, recall 2/4.
    gt = np.array([[1, 1], [0, 0]])
    seg = np.array([[1, 1], [2, 1]])
    assert adapted_rand_error(seg, gt).error == pytest.approx(0.0)
    counted = adapted_rand_error(seg, gt, ignore_labels=())
    assert counted == pytest.approx((0.6, 1 / 3, 0.5))


def test_identical_segmentations_score_perfectly():
    gt = np.random.default_rng(3).integers(0, 6, (5, 9, 7))
    relabelled = (gt * 7 + 3).astype(np.uint16)
    assert adapted_rand_error(relabelled, gt).error == pytest.approx(0.0)
    assert voi(relabelled, gt).total == 0.0
    assert cremi_score(relabelled, gt).cremi == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_labels_agree_with_skimage(seed):
    rng = np.random.default_rng(seed)
    gt = rng.integers(0, 12, (10, 20, 20)).astype(np.uint32)
    seg = rng.integers(0, 9, (10, 20, 20)).astype(np.int64)
    _check_against_skimage(seg, gt)


def _medulla_labels(path) -> np.ndarray:
    with h5py.File(path, "r") as f:
        return f["label"][:, :64, :128]


def test_real_labels_agree_with_skimage(medulla_train, medulla_test):
    gt = _medulla_labels(medulla_train)
    shifted = np.roll(gt, 1, axis=2)
    merged = (gt // 2).astype(np.uint32)
    other = _medulla_labels(medulla_test)
    for seg in (shifted, merged, other):
        _check_against_skimage(seg, gt)
    # Merging pairs of bodies only merges: no splits, worse Rand precision, perfect recall.
    merged_voi = voi(merged, gt)
    assert merged_voi.split == pytest.approx(0.0, abs=1e-12) and merged_voi.merge > 0
    assert adapted_rand_error(merged, gt).recall == pytest.approx(1.0)
    assert adapted_rand_error(merged, gt).precision < 1.0


def test_huge_and_negative_ids_give_the_same_table_as_small_ids():
    rng = np.random.default_rng(5)
    gt = rng.integers(0, 5, (6, 6, 6))
    seg = rng.integers(0, 4, (6, 6, 6))
    huge = (seg.astype(np.uint64) * np.uint64(2**40)).astype(np.uint64)
    negative = seg - 2
    base = adapted_rand_error(seg, gt)
    assert adapted_rand_error(huge, gt) == pytest.approx(base)
    assert adapted_rand_error(negative, gt) == pytest.approx(base)
    table = contingency_table(huge, gt)
    assert table.total == gt.size
    assert set(table.seg_ids.tolist()) == {int(v) * 2**40 for v in np.unique(seg)}


def test_torch_tensors_are_accepted():
    rng = np.random.default_rng(7)
    gt = rng.integers(0, 5, (4, 8, 8))
    seg = rng.integers(0, 5, (4, 8, 8))
    assert adapted_rand_error(torch.from_numpy(seg), torch.from_numpy(gt)) == pytest.approx(
        adapted_rand_error(seg, gt)
    )
    prob = rng.random((4, 8, 8)).astype(np.float32)
    assert dice(torch.from_numpy(prob), torch.from_numpy(gt > 2)) == pytest.approx(
        dice(prob, gt > 2)
    )


def test_semantic_metrics_by_hand():
    # pred foreground top row, gt left column: TP 1, FP 1, FN 1.
    pred = np.array([[0.9, 0.7], [0.2, 0.1]])
    gt = np.array([[1, 0], [1, 0]])
    assert dice(pred, gt) == pytest.approx(2 / 4)
    assert iou(pred, gt) == pytest.approx(1 / 3)
    assert precision_recall_f1(pred, gt) == pytest.approx((0.5, 0.5, 0.5))
    # A higher threshold drops the 0.7 voxel: TP 1, FP 0, FN 1.
    assert precision_recall_f1(pred, gt, threshold=0.8) == pytest.approx((1.0, 0.5, 2 / 3))
    assert dice(np.zeros((2, 2)), np.zeros((2, 2))) == 1.0


def test_mean_over_classes():
    gt = np.array([[0, 1], [2, 2]])
    pred = np.array([[0, 1], [2, 1]])
    # class 1: TP 1 FP 1 FN 0 -> IoU 1/2; class 2: TP 1 FP 0 FN 1 -> IoU 1/2; class 0: IoU 1.
    assert iou(pred, gt, num_classes=3) == pytest.approx(0.5)
    assert iou(pred, gt, num_classes=3, include_background=True) == pytest.approx(2 / 3)
    assert dice(pred, gt, num_classes=3) == pytest.approx(2 / 3)


def test_instance_matching_and_ap_by_hand():
    # gt 1 = voxels 0-3, gt 2 = voxels 4-8; seg 1 = gt 1 exactly (IoU 1), seg 2 = voxels 4-6
    # (IoU 3/5), seg 3 lies on background (false positive).
    gt = np.array([1, 1, 1, 1, 2, 2, 2, 2, 2, 0])
    seg = np.array([1, 1, 1, 1, 2, 2, 2, 0, 0, 3])
    matching = match_instances(seg, gt, iou_threshold=0.5)
    assert (matching.tp, matching.fp, matching.fn) == (2, 1, 0)
    assert sorted(zip(matching.gt_ids.tolist(), matching.seg_ids.tolist())) == [(1, 1), (2, 2)]
    ap = average_precision(seg, gt, thresholds=(0.5, 0.75))
    assert ap[0.5] == pytest.approx(2 / 3)  # TP 2 / (TP 2 + FP 1 + FN 0)
    assert ap[0.75] == pytest.approx(1 / 4)  # TP 1 / (TP 1 + FP 2 + FN 1)


def test_low_threshold_matches_each_instance_once():
    gt = np.array([1, 1, 1, 1])
    seg = np.array([1, 1, 2, 2])  # both halves have IoU 0.5 with the one gt instance
    matching = match_instances(seg, gt, iou_threshold=0.3)
    assert (matching.tp, matching.fp, matching.fn) == (1, 1, 0)
    assert matching.average_precision == pytest.approx(0.5)


def test_user_mistakes_raise_clear_errors():
    with pytest.raises(ValueError, match="shape"):
        adapted_rand_error(np.zeros((2, 2), int), np.zeros((2, 3), int))
    with pytest.raises(ValueError, match="integer labels"):
        voi(np.zeros((2, 2), np.float32), np.zeros((2, 2), int))
    with pytest.raises(ValueError, match="shape"):
        dice(np.zeros((2, 2)), np.zeros((3, 2)))


def test_many_ids_on_few_voxels_agree_with_skimage():
    # More (gt, seg) id pairs than voxels: the table is counted by sorting, not by bincount.
    rng = np.random.default_rng(11)
    gt = rng.integers(0, 400, (10, 10, 10))
    seg = rng.integers(0, 300, (10, 10, 10))
    _check_against_skimage(seg, gt)
    assert contingency_table(seg, gt).total == gt.size
