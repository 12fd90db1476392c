"""CLAHE normalization (data.normalize=clahe): values, region independence, and the same rule
in training crops and sliding-window inference."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import torch
from skimage.exposure import equalize_adapthist

from connectomics.config import create_config
from connectomics.config.errors import ConfigError
from connectomics.data.datasets import RandomCropDataset
from connectomics.data.datasets.clahe import BINS, ClaheVolume
from connectomics.data.datasets.sources import VolumeSource
from connectomics.data.inference import predict_volume
from connectomics.data.io.volume import ArrayVolume


@pytest.fixture(scope="module")
def raw(medulla_train) -> np.ndarray:
    """Real FIB-SEM (uint8), 12 x 100 x 200."""
    with h5py.File(medulla_train, "r") as f:
        return f["raw"][:12]


def test_one_unclipped_tile_is_histogram_equalization():
    """A tile as large as the image and no clipping: each pixel maps to the image's CDF."""
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (40, 50)).astype(np.uint8)
    out = ClaheVolume(ArrayVolume(image), kernel_size=64, clip_limit=1.0, low_high=(0, 255)).read()
    cdf = np.cumsum(np.bincount(image.ravel(), minlength=BINS)) / image.size
    np.testing.assert_allclose(out, cdf[image], atol=1e-6)


def test_any_region_reads_the_whole_volume_values(raw):
    volume = ClaheVolume(ArrayVolume(raw), kernel_size=32, clip_limit=0.02)
    whole = volume.read()
    assert whole.dtype == np.float32 and 0 <= whole.min() and whole.max() <= 1
    rng = np.random.default_rng(1)
    for _ in range(20):
        lo = [int(rng.integers(0, s - 1)) for s in raw.shape]
        hi = [int(rng.integers(a + 1, s + 1)) for a, s in zip(lo, raw.shape)]
        box = tuple(slice(a, b) for a, b in zip(lo, hi))
        np.testing.assert_allclose(volume[box], whole[box], atol=1e-6)


def test_it_equalizes_like_scikit_image_and_removes_a_contrast_change(raw):
    section = raw[0]
    ours = ClaheVolume(ArrayVolume(section), kernel_size=32, clip_limit=0.01).read()
    theirs = equalize_adapthist(section, kernel_size=32, clip_limit=0.01)
    assert np.corrcoef(ours.ravel(), theirs.ravel())[0, 1] > 0.95
    # another acquisition: half the contrast, brighter; the per-volume percentiles absorb it
    faint = (raw.astype(np.float32) * 0.5 + 60).astype(np.uint8)
    same = ClaheVolume(ArrayVolume(faint), 32, 0.01).read()
    equalized = np.abs(same - ClaheVolume(ArrayVolume(raw), 32, 0.01).read()).mean()
    scaled = np.abs(faint / 255.0 - raw / 255.0).mean()  # data.normalize=scale
    assert equalized < 0.04 and equalized < scaled / 3  # 0.031 against 0.106


def test_training_crops_and_inference_windows_see_the_same_values(raw):
    expected = ClaheVolume(ArrayVolume(raw), kernel_size=32, clip_limit=0.01).read()
    cfg = create_config({"data": {"normalize": "clahe", "clahe": {"kernel_size": 32}}})
    dataset = RandomCropDataset(
        [VolumeSource("raw", ArrayVolume(raw))],
        patch_size=[8, 40, 40],
        length=4,
        normalize="clahe",
        clahe=cfg.data.clahe,
        deterministic=True,
    )
    for index in range(4):
        crop = dataset[index]["image"][0]
        origin = dataset.sampler.sample(dataset.rng_for(index)).origin
        box = tuple(slice(o, o + s) for o, s in zip(origin, (8, 40, 40)))
        np.testing.assert_allclose(crop, expected[box], atol=1e-6)
    identity = torch.nn.Identity()
    predicted = predict_volume(
        identity,
        raw,
        window_size=(8, 48, 48),
        overlap=0.25,
        normalize="clahe",
        clahe=cfg.data.clahe,
    )
    np.testing.assert_allclose(predicted[0], expected, atol=1e-5)


def test_clahe_settings_are_checked():
    with pytest.raises(ConfigError, match="data.clahe.kernel_size"):
        create_config({"data": {"normalize": "clahe", "clahe": {"kernel_size": 0}}})
    with pytest.raises(ConfigError, match="data.clahe.clip"):
        create_config({"data": {"clahe": {"clip": 0.1}}})


def test_the_config_reaches_inference():
    from connectomics.data.inference import InferenceOptions

    cfg = create_config({"data": {"normalize": "clahe", "clahe": {"kernel_size": 32}}})
    options = InferenceOptions.from_config(cfg)
    assert options.normalize == "clahe" and options.clahe == (32, 0.01)
    assert "clahe" in options.value_fields()  # a store predicted with other tiles is not resumed
