"""The label-free waterz threshold: the sparsest part of a volume's own merge scores."""

from __future__ import annotations

import cc3d
import h5py
import numpy as np
import pytest
from skimage.metrics import adapted_rand_error

from connectomics.config import create_config
from connectomics.config.errors import ConfigError
from connectomics.data.decoding import build_decoder, decode
from connectomics.data.decoding.merge_gap import merge_gap_threshold
from tests.data.test_decoding import NEAREST, affinities


def two_clusters(gap: tuple[float, float], seed: int = 0) -> np.ndarray:
    """Merge scores inside objects (below the gap) and across membranes (above it)."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.uniform(0.0, gap[0], 5000), rng.uniform(gap[1], 1.0, 2000)])


def test_threshold_follows_the_gap_in_the_merge_scores():
    # the lowest searched threshold whose +-0.075 window holds no score
    assert merge_gap_threshold(two_clusters((0.4, 0.7))) == pytest.approx(0.475)
    assert merge_gap_threshold(two_clusters((0.55, 0.85))) == pytest.approx(0.625)
    assert merge_gap_threshold(np.array([])) == pytest.approx(0.55)


def neurons_of(path) -> np.ndarray:
    """A 20 x 64 x 64 corner of the medulla training labels, one component per id."""
    with h5py.File(path, "r") as f:
        label = f["label"][:20, :64, :64]
    return cc3d.connected_components(label, connectivity=6).astype(np.uint32)


@pytest.fixture(scope="module")
def neurons(medulla_train) -> np.ndarray:
    return neurons_of(medulla_train)


def confident(label: np.ndarray, boundary: float, seed: int = 0) -> np.ndarray:
    """Affinities of `label` with membranes predicted at `boundary` and noise everywhere."""
    exact = affinities(label, NEAREST)
    rng = np.random.default_rng(seed)
    prediction = np.where(exact > 0, 0.95, boundary) + rng.normal(0, 0.05, exact.shape)
    return np.clip(prediction, 0, 1).astype(np.float32)


@pytest.mark.parametrize("boundary", [0.05, 0.5])
def test_merge_gap_holds_where_a_fixed_threshold_merges(neurons, boundary):
    prediction = confident(neurons, boundary)
    gap = decode("affinity_waterz", prediction, threshold="merge_gap")
    assert adapted_rand_error(neurons, gap)[0] < 0.05
    if boundary == 0.5:  # membranes at 0.5: a fixed 0.6 (merge while 1 - mean < 0.6) joins all
        fixed = decode("affinity_waterz", prediction, threshold=0.6)
        assert adapted_rand_error(neurons, fixed)[0] > 0.3


def test_merge_gap_is_a_config_value_and_a_typo_is_refused(neurons):
    cfg = create_config(
        {"decoding": {"name": "affinity_waterz", "kwargs": {"threshold": "merge_gap"}}}
    )
    seg = build_decoder(cfg)(confident(neurons, 0.3))
    assert adapted_rand_error(neurons, seg)[0] < 0.05
    with pytest.raises(ConfigError, match="decoding.kwargs.threshold"):
        create_config({"decoding": {"name": "affinity_waterz", "kwargs": {"threshold": "gap"}}})


def test_decode_command_takes_merge_gap(neurons, tmp_path):
    from connectomics.cli.main import main

    with h5py.File(tmp_path / "pred.h5", "w") as f:
        f["prediction"] = confident(neurons, 0.5)
    seg = tmp_path / "seg.h5"
    command = ["decode", "--input", f"{tmp_path / 'pred.h5'}:prediction", "--output", f"{seg}:seg"]
    options = ["--decoder", "affinity_waterz", "decoding.kwargs.threshold=merge_gap"]
    assert main([*command, *options]) == 0
    with h5py.File(seg) as f:
        assert adapted_rand_error(neurons, f["seg"][...])[0] < 0.05
