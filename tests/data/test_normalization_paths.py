"""One normalization: a crop normalized by the training path equals the inference path's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from connectomics.data.datasets import RandomCropDataset, normalize_image
from connectomics.data.datasets.normalize import dataset_statistics
from connectomics.data.datasets.sources import VolumeSource
from connectomics.data.inference import predict_volume
from connectomics.data.io import ArrayVolume


class Identity(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.float32])
@pytest.mark.parametrize("mode", ["scale", "zscore", "percentile", "none"])
def test_training_crop_equals_inference_input(dtype, mode):
    rng = np.random.default_rng(0)
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
    low, high = (info.min, info.max) if info else (-3.0, 5.0)
    volume = rng.uniform(low, high, (6, 10, 12)).astype(dtype)
    stats = dataset_statistics([ArrayVolume(volume)])
    dataset = RandomCropDataset(
        [VolumeSource("v", ArrayVolume(volume))],
        patch_size=volume.shape,
        length=1,
        normalize=mode,
        normalize_stats=stats,
    )
    trained_on = dataset[0]["image"][0]
    inferred_on = predict_volume(
        Identity(),
        volume,
        window_size=volume.shape,
        blending="constant",
        normalize=mode,
        normalize_stats=stats,
    )[0]
    np.testing.assert_array_equal(trained_on, inferred_on)


def test_scale_maps_signed_and_unsigned_ranges_to_unit_interval():
    assert normalize_image(np.array([-128, 0, 127], np.int8), "scale").tolist() == pytest.approx(
        [0.0, 128 / 255, 1.0]
    )
    assert normalize_image(np.array([0, 255], np.uint8), "scale").tolist() == [0.0, 1.0]


def test_zscore_uses_dataset_statistics_not_the_crop():
    stats = {"mean": 10.0, "std": 2.0, "low": 0.0, "high": 20.0}
    crop = np.full((4, 4), 14.0, np.float32)
    assert np.all(normalize_image(crop, "zscore", stats) == 2.0)
    assert np.all(normalize_image(np.array([30.0], np.float32), "percentile", stats) == 1.0)


def test_dataset_statistics_sample_sections():
    volume = np.arange(20 * 30 * 30, dtype=np.float32).reshape(20, 30, 30)
    stats = dataset_statistics([ArrayVolume(volume)])
    assert stats.mean == pytest.approx(volume.mean(), rel=0.02)
    assert stats.low < stats.mean < stats.high
