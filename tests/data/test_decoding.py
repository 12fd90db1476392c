"""Decoders recover known instances from perfect predictions and degrade gracefully with noise."""

from __future__ import annotations

import cc3d
import h5py
import numpy as np
import pytest
from skimage.metrics import adapted_rand_error
from skimage.segmentation import find_boundaries

from connectomics.config import create_config
from connectomics.config.schema import DecodingConfig
from connectomics.data.decoding import DECODER_REGISTRY, build_decoder, decode, register_decoder
from connectomics.data.errors import DataError

NEAREST = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
WITH_LONG = NEAREST + [[3, 0, 0], [0, 9, 0], [0, 0, 9]]
AFFINITY_DECODERS = ["affinity_cc", "affinity_waterz", "affinity_mws"]


def affinities(label: np.ndarray, offsets: list[list[int]]) -> np.ndarray:
    """Channel c at v is 1 where v and v - offsets[c] carry the same nonzero id."""
    out = np.zeros((len(offsets), *label.shape), dtype=np.float32)
    for c, offset in enumerate(offsets):
        here = tuple(slice(o, None) if o > 0 else slice(None) for o in offset)
        there = tuple(slice(None, -o) if o > 0 else slice(None) for o in offset)
        a, b = label[here], label[there]
        out[c][here] = (a == b) & (a != 0)
    return out


def binary_contour(label: np.ndarray) -> np.ndarray:
    """Foreground and inner-contour channels of an instance label."""
    contour = find_boundaries(label, mode="inner", connectivity=1) & (label > 0)
    return np.stack([label > 0, contour]).astype(np.float32)


def error(truth: np.ndarray, seg: np.ndarray) -> float:
    """Adapted Rand error (0 is perfect)."""
    return float(adapted_rand_error(truth, seg)[0])


def noisy(prediction: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    """Prediction plus clipped Gaussian noise."""
    rng = np.random.default_rng(seed)
    return np.clip(prediction + rng.normal(0, sigma, prediction.shape), 0, 1).astype(np.float32)


@pytest.fixture(scope="module")
def medulla_crop(medulla_train) -> np.ndarray:
    """A 20x64x64 crop of the real neuron labels, each id one connected piece."""
    with h5py.File(medulla_train, "r") as f:
        label = f["label"][:20, :64, :64]
    return cc3d.connected_components(label, connectivity=6).astype(np.uint32)


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    """Synthetic ellipsoids (mitochondria-like); touching ones count as one instance."""
    grids = np.meshgrid(*[np.arange(s) for s in (20, 48, 48)], indexing="ij")
    rng = np.random.default_rng(3)
    label = np.zeros((20, 48, 48), dtype=np.uint32)
    for i in range(1, 9):
        center = rng.uniform((3, 6, 6), (17, 42, 42))
        dist = sum(((g - c) / r) ** 2 for g, c, r in zip(grids, center, (3, 5, 5)))
        label[dist < 1] = i
    label = cc3d.connected_components(label > 0, connectivity=6).astype(np.uint32)
    assert label.max() >= 4
    return label


def test_registry_holds_all_decoders():
    assert set(DECODER_REGISTRY) >= {
        "binary_cc",
        "binary_contour_watershed",
        "affinity_cc",
        "affinity_waterz",
        "affinity_mws",
    }


@pytest.mark.parametrize("name", AFFINITY_DECODERS)
def test_affinity_decoders_recover_real_neurons(name, medulla_crop):
    seg = decode(name, affinities(medulla_crop, NEAREST))
    assert seg.dtype == np.uint32 and seg.shape == medulla_crop.shape
    assert error(medulla_crop, seg) < 1e-3
    assert seg.max() == len(np.unique(seg)) - 1  # consecutive ids


def test_mutex_watershed_uses_long_range_offsets(medulla_crop):
    prediction = affinities(medulla_crop, WITH_LONG)
    assert error(medulla_crop, decode("affinity_mws", prediction, offsets=WITH_LONG)) < 1e-3


@pytest.mark.parametrize("name", AFFINITY_DECODERS)
def test_affinity_decoders_degrade_gracefully(name, medulla_crop):
    offsets = WITH_LONG if name == "affinity_mws" else NEAREST
    clean = affinities(medulla_crop, offsets)
    mild = error(medulla_crop, decode(name, noisy(clean, 0.1), offsets=offsets))
    moderate = error(medulla_crop, decode(name, noisy(clean, 0.2), offsets=offsets))
    assert mild < 0.05
    assert moderate < 0.3


def test_affinity_cc_splits_on_one_weak_plane():
    label = np.ones((4, 6, 6), dtype=np.uint32)
    prediction = affinities(label, NEAREST)
    prediction[0, 2] = 0.1  # cut the z-edges between sections 1 and 2
    seg = decode("affinity_cc", prediction)
    assert seg.max() == 2
    assert len(np.unique(seg[:2])) == 1 and len(np.unique(seg[2:])) == 1


def test_affinity_decoders_accept_uint8_and_2d(medulla_crop):
    section = medulla_crop[5]
    pred2d = affinities(section, [[1, 0], [0, 1]])
    for name in AFFINITY_DECODERS:
        seg = decode(name, (pred2d * 255).astype(np.uint8))
        assert seg.shape == section.shape
        assert error(cc3d.connected_components(section, connectivity=4), seg) < 1e-3


def test_binary_cc_recovers_blobs_and_removes_small(blobs):
    prediction = (blobs > 0).astype(np.float32)[None]
    assert error(blobs, decode("binary_cc", prediction)) < 1e-3
    speck = prediction.copy()
    speck[0, 0, 0, 0] = 1.0
    assert decode("binary_cc", speck).max() == blobs.max() + 1
    assert decode("binary_cc", speck, min_size=5).max() == blobs.max()
    assert error(blobs, decode("binary_cc", noisy(prediction, 0.2), min_size=10)) < 0.1


@pytest.mark.parametrize("with_distance", [False, True])
def test_binary_contour_watershed_separates_touching(with_distance, medulla_crop):
    prediction = binary_contour(medulla_crop)
    if with_distance:
        from scipy import ndimage

        dist = ndimage.distance_transform_edt(prediction[1] == 0) * (medulla_crop > 0)
        peak = ndimage.maximum(dist, medulla_crop, index=medulla_crop)
        prediction = np.concatenate([prediction, (dist / np.maximum(peak, 1))[None]])
        prediction = prediction.astype(np.float32)
    seg = decode("binary_contour_watershed", prediction, min_seed_size=1, distance_threshold=0)
    # touching neurons stay apart although one foreground component holds them all
    assert decode("binary_cc", prediction[:1]).max() < seg.max()
    assert error(medulla_crop, seg) < 0.1
    assert error(medulla_crop, decode("binary_contour_watershed", noisy(prediction, 0.1))) < 0.3


def test_build_decoder_reads_config(medulla_crop):
    cfg = create_config({"decoding": {"name": "affinity_cc", "kwargs": {"threshold": 0.95}}})
    prediction = affinities(medulla_crop, NEAREST) * 0.9  # all below 0.95: all background
    assert build_decoder(cfg)(prediction).max() == 0
    cfg.decoding.kwargs = {"threshold": 0.5}
    assert error(medulla_crop, build_decoder(cfg)(prediction)) < 1e-3


@pytest.mark.parametrize("name", AFFINITY_DECODERS)
def test_build_decoder_takes_offsets_and_channels_from_the_affinity_target(name, medulla_crop):
    # a boundary channel first, then nearest-neighbour plus long-range affinities in an order
    # that puts a long-range offset first: the decoder must find its channels from the targets
    offsets = [[3, 0, 0], *NEAREST, [0, 9, 0], [0, 0, 9]]
    prediction = np.concatenate(
        [np.zeros((1, *medulla_crop.shape), np.float32), affinities(medulla_crop, offsets)]
    )
    cfg = create_config(
        {
            "model": {"spatial_dims": 3, "out_channels": 1 + len(offsets)},
            "data": {
                "targets": [
                    {"name": "boundary", "kwargs": {}},
                    {"name": "affinity", "kwargs": {"offsets": offsets}},
                ]
            },
            "decoding": {"name": name, "kwargs": {}},
        }
    )
    assert error(medulla_crop, build_decoder(cfg)(prediction)) < 1e-3
    # without the targets the first three channels are taken for nearest-neighbour ones: wrong
    blind = build_decoder(DecodingConfig(name=name))
    assert error(medulla_crop, blind(prediction)) > 0.3


def test_binary_contour_watershed_reads_its_target_channels(medulla_crop):
    """[affinity, binary_contour]: the watershed reads channels 3 and 4, not 0 and 1."""
    contour = binary_contour(medulla_crop)
    prediction = np.concatenate([affinities(medulla_crop, NEAREST), contour])
    cfg = create_config(
        {
            "model": {"spatial_dims": 3, "out_channels": 5},
            "data": {"targets": [{"name": "affinity"}, {"name": "binary_contour"}]},
            "decoding": {"name": "binary_contour_watershed", "kwargs": {"min_seed_size": 1}},
        }
    )
    seg = build_decoder(cfg)(prediction)
    expected = decode("binary_contour_watershed", contour, min_seed_size=1)
    np.testing.assert_array_equal(seg, expected)
    assert error(medulla_crop, seg) < 0.1
    # channels 0 and 1 (two affinities) would give another segmentation
    assert not np.array_equal(decode("binary_contour_watershed", prediction, min_seed_size=1), seg)
    # no blockwise form: decode_blockwise refuses it (test_blockwise_cc)


def test_bad_config_and_inputs_raise_clear_errors():
    from connectomics.config.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown decoder 'nope'"):
        build_decoder(DecodingConfig(name="nope"))
    with pytest.raises(ConfigError, match="thresh"):
        build_decoder(DecodingConfig(name="binary_cc", kwargs={"thresh": 1}))
    with pytest.raises(DataError, match="shape"):
        decode("binary_cc", np.zeros((4, 4)))
    with pytest.raises(DataError, match="channel"):
        decode("binary_contour_watershed", np.zeros((1, 4, 4, 4)))
    with pytest.raises(DataError, match="offsets"):
        decode("affinity_cc", np.zeros((2, 4, 4, 4)), offsets=[[1, 0, 0], [0, 1, 0]])


def test_register_decoder_adds_a_name():
    @register_decoder("_test_threshold")
    def _threshold(prediction, level: float = 0.5):
        return (np.asarray(prediction)[0] > level).astype(np.uint32)

    try:
        assert decode("_test_threshold", np.ones((1, 2, 2))).sum() == 4
    finally:
        DECODER_REGISTRY.pop("_test_threshold")


def test_tuning_picks_the_threshold_that_fits_how_confident_the_network_is(medulla_crop):
    from connectomics.data.decoding import tune_decoder

    clean = affinities(medulla_crop, NEAREST)
    cfg = create_config({"decoding": {"name": "affinity_cc"}})
    values = [0.2, 0.4, 0.6, 0.8]
    confident = tune_decoder(cfg, [(noisy(clean * 0.8 + 0.1, 0.05), medulla_crop)], values=values)
    # a timid network: "connected" pairs only reach about 0.3; a high threshold splits them
    timid = tune_decoder(cfg, [(noisy(clean * 0.25 + 0.05, 0.02), medulla_crop)], values=values)
    assert confident.parameter == timid.parameter == "threshold"
    assert [v for v, _ in timid.table] == values
    assert timid.value == 0.2 and timid.error == min(e for _, e in timid.table)
    assert max(e for _, e in timid.table) > timid.error + 0.3  # the grid matters
    assert confident.value >= 0.4 and confident.error < 0.05
    record = timid.as_dict()
    assert record["decoder"] == "affinity_cc" and len(record["tried"]) == 4
