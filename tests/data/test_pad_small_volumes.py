"""data.pad_mode: training volumes smaller than the patch are padded instead of refused."""

from __future__ import annotations

import numpy as np
import pytest

from connectomics.config.schema import Config, DataConfig
from connectomics.data.datasets import build_train_dataset
from connectomics.data.datasets.padding import PaddedVolume
from connectomics.data.errors import DataError
from connectomics.data.io import ArrayVolume, write_volume


def test_padded_volume_reads_like_numpy_pad():
    base = np.arange(3 * 4 * 5).reshape(3, 4, 5)
    padded = PaddedVolume(ArrayVolume(base), [(2, 3), (0, 0), (1, 1)], "reflect")
    expected = np.pad(base, [(2, 3), (0, 0), (1, 1)], mode="reflect")
    assert padded.shape == expected.shape
    np.testing.assert_array_equal(padded.read(), expected)
    np.testing.assert_array_equal(padded[1:6, 2:4, 0:3], expected[1:6, 2:4, 0:3])


def test_small_volume_is_padded_when_asked(tmp_path):
    image = np.random.default_rng(0).integers(0, 255, (4, 20, 20), dtype=np.uint8)
    label = (image > 128).astype(np.uint8)
    write_volume(str(tmp_path / "im.h5"), image, key="raw")
    write_volume(str(tmp_path / "lb.h5"), label, key="label")
    cfg = Config()
    cfg.data = DataConfig(
        train_image=str(tmp_path / "im.h5"),
        train_label=str(tmp_path / "lb.h5"),
        patch_size=[8, 16, 16],
    )
    with pytest.raises(DataError, match="data.pad_mode=reflect"):
        build_train_dataset(cfg, transform=None)
    cfg.data.pad_mode = "reflect"
    dataset = build_train_dataset(cfg, transform=None)
    sample = dataset[0]
    assert sample["image"].shape == (1, 8, 16, 16)
    # image and label stay aligned in the padded part: the label is the image threshold
    np.testing.assert_array_equal(sample["label"][0] > 0, sample["image"][0] * 255 > 128)
