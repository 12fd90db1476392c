"""EM augmentations: joint geometry on image/label/mask, switches, seeds, dtypes."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import torch

from connectomics.config.schema import Config
from connectomics.data.augment import AUGMENTATION_REGISTRY, build_augmentations

GEOMETRIC = ("flip", "rotate90", "elastic", "misalignment")
IMAGE_ONLY = (
    "gamma",
    "contrast_brightness",
    "noise",
    "blur",
    "missing_section",
    "missing_parts",
    "motion_blur",
    "cut_noise",
    "cut_blur",
    "histogram_warp",
)


@pytest.fixture(scope="module")
def medulla_label(medulla_train) -> np.ndarray:
    """A (8, 32, 32) crop of real neuron ids."""
    with h5py.File(medulla_train, "r") as f:
        return f["label"][20:28, 30:62, 60:92].astype(np.int64)


def intensity_of(label: np.ndarray) -> np.ndarray:
    """Image derived from the label, so alignment can be checked after geometry."""
    return ((label * 37) % 101 / 100.0).astype(np.float32)


def _sample(label: np.ndarray) -> dict:
    return {
        "image": intensity_of(label)[None],
        "label": label[None].copy(),
        "mask": np.ones((1, *label.shape), np.float32),
    }


def _cfg(only: str | None, patch_size, prob: float = 1.0, **extra):
    """Config with every augmentation off except `only` (at probability `prob`)."""
    cfg = Config()
    cfg.data.patch_size = list(patch_size)
    for name in AUGMENTATION_REGISTRY:
        section = getattr(cfg.data.augmentation, name)
        section.enabled = name == only
        section.prob = prob
    for key, value in extra.items():
        setattr(getattr(cfg.data.augmentation, only), key, value)
    return cfg


def _run(cfg, sample, seed=0):
    transform = build_augmentations(cfg)
    transform.set_random_state(seed)
    return transform(dict(sample))


def test_every_augmentation_is_configurable():
    cfg = Config()
    assert set(AUGMENTATION_REGISTRY) <= set(type(cfg.data.augmentation).model_fields)


@pytest.mark.parametrize("name", GEOMETRIC)
def test_geometric_changes_crop_and_keeps_image_label_aligned(name, medulla_label):
    sample = _sample(medulla_label)
    for seed in range(3):
        extra = {"magnitude_range": [200.0, 300.0]} if name == "elastic" else {}
        out = _run(_cfg(name, medulla_label.shape, **extra), sample, seed)
        label, image = out["label"], out["image"]
        assert label.dtype == np.int64 and isinstance(label, np.ndarray)
        assert image.dtype == np.float32 and out["mask"].dtype == np.float32
        assert label.shape == sample["label"].shape
        assert not np.array_equal(image, sample["image"])
        assert set(np.unique(label)) <= set(np.unique(medulla_label))
        agree = np.isclose(image, intensity_of(label), atol=1e-4).mean()
        if name == "elastic":  # bilinear image vs nearest label differ only on edges
            # where the label moved, the image must follow the new label, not the old one
            moved = label != sample["label"]
            assert moved.mean() > 0.02
            new = np.abs(image - intensity_of(label))[moved]
            old = np.abs(image - sample["image"])[moved]
            assert agree > 0.75 and (new < old).mean() > 0.6
        else:
            assert agree == 1.0
        if name != "misalignment":
            np.testing.assert_array_equal(out["mask"], 1.0)


@pytest.mark.parametrize("name", IMAGE_ONLY)
def test_image_only_changes_image_not_label(name, medulla_label):
    sample = _sample(medulla_label)
    texture = np.random.default_rng(0).uniform(0, 0.2, sample["image"].shape)
    sample["image"] = (sample["image"] * 0.8 + texture).astype(np.float32)
    for seed in range(3):
        out = _run(_cfg(name, medulla_label.shape), sample, seed)
        assert not np.array_equal(out["image"], sample["image"]), seed
        assert out["image"].dtype == np.float32 and out["image"].shape == sample["image"].shape
        np.testing.assert_array_equal(out["label"], sample["label"])
        np.testing.assert_array_equal(out["mask"], sample["mask"])


@pytest.mark.parametrize("name", sorted(AUGMENTATION_REGISTRY))
def test_disabled_leaves_crop_unchanged(name, medulla_label):
    sample = _sample(medulla_label)
    off = _cfg(name, medulla_label.shape)
    getattr(off.data.augmentation, name).enabled = False
    globally_off = _cfg(name, medulla_label.shape)
    globally_off.data.augmentation.enabled = False
    zero_prob = _cfg(name, medulla_label.shape, prob=0.0)
    for cfg in (off, globally_off, zero_prob):
        out = _run(cfg, sample)
        for key in sample:
            np.testing.assert_array_equal(out[key], sample[key])


def test_misalignment_moves_label_with_image(medulla_label):
    sample = _sample(medulla_label)
    out = _run(_cfg("misalignment", medulla_label.shape, max_displacement=4), sample, seed=1)
    assert not np.array_equal(out["label"], sample["label"])
    np.testing.assert_array_equal(out["image"], intensity_of(out["label"]))
    for seed in range(6):
        out = _run(_cfg("misalignment", medulla_label.shape), sample, seed)
        np.testing.assert_array_equal(out["image"], intensity_of(out["label"]))
        moved = [z for z in range(8) if (out["label"][0, z] != medulla_label[z]).any()]
        # one slipped section, or every section from some z on translated (z=0 never moves)
        assert moved and 0 not in moved
        assert len(moved) == 1 or moved == list(range(moved[0], 8))


def test_elastic_keeps_large_ids_exact(medulla_label):
    big = medulla_label + 2**40  # beyond float32 precision
    out = _run(_cfg("elastic", big.shape, magnitude_range=[200.0, 300.0]), _sample(big), seed=0)
    assert out["label"].dtype == np.int64
    assert not np.array_equal(out["label"][0], big)
    assert set(np.unique(out["label"])) <= set(np.unique(big))


def test_missing_section_blanks_whole_sections(medulla_label):
    out = _run(_cfg("missing_section", medulla_label.shape, num_sections=2), _sample(medulla_label))
    blank = np.abs(out["image"][0] - 0.0).max(axis=(1, 2)) < 0.1
    assert blank.sum() == 2


def test_deterministic_given_seed_and_torch_input(medulla_label):
    cfg = Config()
    cfg.data.patch_size = list(medulla_label.shape)
    for name in AUGMENTATION_REGISTRY:
        getattr(cfg.data.augmentation, name).enabled = True
        getattr(cfg.data.augmentation, name).prob = 0.5
    sample = {k: torch.from_numpy(v) for k, v in _sample(medulla_label).items()}
    first, second = _run(cfg, sample, seed=11), _run(cfg, sample, seed=11)
    other = _run(cfg, sample, seed=12)
    for key in sample:
        assert isinstance(first[key], torch.Tensor) and first[key].dtype == sample[key].dtype
        assert not hasattr(first[key], "meta")
        torch.testing.assert_close(first[key], second[key])
    assert any(not torch.equal(first[k], other[k]) for k in sample)


def test_two_dimensional_samples(medulla_label):
    label = medulla_label[0]
    sample = _sample(label)
    for name in AUGMENTATION_REGISTRY:
        extra = {"zoom_range": [1.3, 1.5]} if name == "scale" else {}  # a zoom near 1 is a no-op
        out = _run(_cfg(name, label.shape, **extra), sample, seed=3)
        assert out["image"].shape == sample["image"].shape and out["label"].dtype == np.int64
        if name in ("misalignment", "missing_section"):  # need a z axis: skipped in 2D
            np.testing.assert_array_equal(out["image"], sample["image"])
        else:
            assert not np.array_equal(out["image"], sample["image"]), name
        if name in ("flip", "rotate90"):
            np.testing.assert_array_equal(out["image"], intensity_of(out["label"]))


def test_rotation_planes_follow_patch(medulla_label):
    cube = medulla_label[:8, :8, :8]
    sample = _sample(cube)
    moved_z = False
    for seed in range(8):
        out = _run(_cfg("rotate90", cube.shape), sample, seed)
        np.testing.assert_array_equal(out["image"], intensity_of(out["label"]))
        moved_z |= not np.array_equal(np.sort(out["label"][0, 0].ravel()), np.sort(cube[0].ravel()))
    assert moved_z  # out-of-plane rotations happen for cubic patches
    for seed in range(8):  # anisotropic patch: z sections keep their content
        out = _run(_cfg("rotate90", medulla_label.shape), _sample(medulla_label), seed)
        for z in range(medulla_label.shape[0]):
            assert np.array_equal(
                np.sort(out["label"][0, z].ravel()), np.sort(medulla_label[z].ravel())
            )
    with pytest.raises(ValueError, match="cubic"):
        build_augmentations(_cfg("rotate90", medulla_label.shape, in_plane_only=False))


def test_scale_zooms_image_and_label_together(medulla_label):
    sample = _sample(medulla_label)
    for seed in range(3):
        out = _run(_cfg("scale", medulla_label.shape, zoom_range=[1.4, 1.5]), sample, seed)
        label, image = out["label"], out["image"]
        assert label.dtype == np.int64 and label.shape == sample["label"].shape
        assert set(np.unique(label)) <= set(np.unique(medulla_label))
        # zoomed in about the centre: the centre object grows, the image follows the label
        centre = medulla_label[4, 16, 16]
        assert label[0, 4, 16, 16] == centre
        assert (label == centre).sum() > 1.1 * (medulla_label == centre).sum()
        assert np.isclose(image, intensity_of(label), atol=1e-4).mean() > 0.7


def test_histogram_warp_is_monotone(medulla_label):
    ramp = np.linspace(0, 1, int(np.prod(medulla_label.shape)), dtype=np.float32)
    sample = {"image": ramp.reshape(1, *medulla_label.shape)}
    out = _run(_cfg("histogram_warp", medulla_label.shape), sample)
    warped = out["image"].ravel()
    assert np.all(np.diff(warped) >= -1e-6) and np.abs(warped - ramp).max() > 0.02
