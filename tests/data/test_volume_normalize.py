"""Per-volume robust normalisation: a volume with other contrast maps to the same values, the
training crop equals the inference input, and a far-off input is warned about."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from connectomics.data.datasets import RandomCropDataset
from connectomics.data.datasets.normalize import dataset_statistics
from connectomics.data.datasets.sources import VolumeSource
from connectomics.data.datasets.volume_normalize import warn_intensity_shift
from connectomics.data.inference import predict_volume
from connectomics.data.io import ArrayVolume


class Identity(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def _volumes():
    rng = np.random.default_rng(0)
    base = rng.normal(0.0, 1.0, (8, 24, 24))
    bright = np.clip(128 + 55 * base, 0, 255).astype(np.uint8)  # training contrast
    dull = np.clip(100 + 20 * base, 0, 255).astype(np.uint8)  # another acquisition
    return base, bright, dull


def test_volume_percentile_undoes_a_linear_contrast_change():
    base, bright, dull = _volumes()
    outs = [
        predict_volume(
            Identity(), v, window_size=v.shape, blending="constant", normalize="volume_percentile"
        )[0]
        for v in (bright, dull)
    ]
    # same underlying image: per-volume percentiles map both to [0, 1] alike (up to uint8
    # rounding, 1/(20 * 5.2 sigma) of the range); the pooled "percentile" mode would not
    for out in outs:
        assert out.min() == 0.0 and out.max() == pytest.approx(1.0)
    assert np.abs(outs[0] - outs[1]).mean() < 0.02
    train_stats = dataset_statistics([ArrayVolume(bright)])
    pooled = predict_volume(
        Identity(),
        dull,
        window_size=dull.shape,
        blending="constant",
        normalize="percentile",
        normalize_stats=train_stats,
    )[0]
    assert np.abs(pooled - outs[0]).mean() > 0.1


def test_training_crops_use_their_own_volume_statistics():
    _, bright, dull = _volumes()
    dataset = RandomCropDataset(
        [VolumeSource("bright", ArrayVolume(bright)), VolumeSource("dull", ArrayVolume(dull))],
        patch_size=bright.shape,
        length=8,
        normalize="volume_percentile",
        deterministic=True,
    )
    seen = set()
    for index in range(8):
        sample = dataset[index]["image"][0]
        choice = dataset.sampler.sample(dataset.rng_for(index)).volume
        seen.add(choice)
        volume = (bright, dull)[choice]
        inferred = predict_volume(
            Identity(),
            volume,
            window_size=volume.shape,
            blending="constant",
            normalize="volume_percentile",
        )[0]
        np.testing.assert_array_equal(sample, inferred)
    assert seen == {0, 1}


def test_predict_warns_when_input_lies_outside_training_statistics():
    _, bright, dull = _volumes()
    stats = dataset_statistics([ArrayVolume(bright)])
    with pytest.warns(UserWarning, match="std ratio 0.3"):
        predict_volume(
            Identity(),
            dull,
            window_size=dull.shape,
            blending="constant",
            normalize="volume_percentile",
            normalize_stats=stats,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the training volume itself: no warning
        predict_volume(
            Identity(),
            bright,
            window_size=bright.shape,
            blending="constant",
            normalize="volume_percentile",
            normalize_stats=stats,
        )
    assert warn_intensity_shift(stats, None) is None
