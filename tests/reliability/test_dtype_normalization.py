"""Normalization by dtype and values: int64/float64 images holding 8-bit values map to [0, 1]
as uint8 does, values outside every usual range are warned about, and a stack of PNG slices
with mixed bit depths is refused instead of wrapping the 16-bit values."""

from __future__ import annotations

import warnings

import imageio.v3 as iio
import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _fresh_warning_memory(monkeypatch):
    from connectomics.data.datasets import scale_range

    monkeypatch.setattr(scale_range, "_warned", set())


def _ramp(dtype) -> np.ndarray:
    return (np.arange(8 * 16 * 16) % 256).reshape(8, 16, 16).astype(dtype)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint32, np.float64, np.float32])
def test_wide_dtypes_holding_8_bit_values_scale_as_uint8(dtype, tmp_path):
    from connectomics.data.datasets import RandomCropDataset
    from connectomics.data.datasets.sources import VolumeSource
    from connectomics.data.io import open_volume, write_volume

    write_volume(str(tmp_path / "raw.h5"), _ramp(dtype), key="raw")
    write_volume(str(tmp_path / "ref.h5"), _ramp(np.uint8), key="raw")
    crops = []
    for name in ("raw", "ref"):
        image = open_volume(str(tmp_path / f"{name}.h5"), key="raw")
        source = VolumeSource(name, image, image, None)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # values within [0, 255]: no warning
            dataset = RandomCropDataset([source], (8, 16, 16), 1, normalize="scale")
            crops.append(dataset[0]["image"].numpy())
    assert crops[0].max() == 1.0 and crops[0].min() == 0.0
    np.testing.assert_array_equal(crops[0], crops[1])


def test_inference_scales_an_int64_volume_by_its_values_not_the_dtype_range():
    from connectomics.data.inference import predict_volume

    model = torch.nn.Conv3d(1, 1, 1)
    with torch.no_grad():
        model.weight.fill_(1.0)
        model.bias.zero_()
    options = dict(window_size=[8, 16, 16], overlap=0, activation="none", output_dtype="float32")
    out = predict_volume(model, _ramp(np.int64), normalize="scale", **options)
    np.testing.assert_allclose(out[0], _ramp(np.float32) / 255.0, atol=1e-6)


def test_values_outside_every_usual_range_are_warned_about_once_naming_the_volume(tmp_path):
    from connectomics.data.datasets.scale_range import ScaleRangeWarning, volume_scale_range
    from connectomics.data.io import open_volume, write_volume

    image = np.linspace(-5000, 300000, 8 * 16 * 16).reshape(8, 16, 16).astype(np.int64)
    write_volume(str(tmp_path / "wide.h5"), image, key="raw")
    volume = open_volume(str(tmp_path / "wide.h5"), key="raw")
    with pytest.warns(ScaleRangeWarning, match=r"wide.*int64 values span \[-5000, 300000\]"):
        assert volume_scale_range(volume, "wide") == (-5000.0, 300000.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        volume_scale_range(volume, "wide")  # once per volume
    floats = np.full((2, 4, 4), 1.5, np.float64)
    with pytest.warns(ScaleRangeWarning, match=r"float64 values span \[1.5, 1.5\].*as they are"):
        assert volume_scale_range(floats, "floats") == (0.0, 1.0)


def test_a_16_bit_slice_in_an_8_bit_png_stack_is_refused_not_wrapped(tmp_path):
    from connectomics.data.errors import DataError
    from connectomics.data.io import open_volume
    from connectomics.data.io.png import write_png_stack

    write_png_stack(str(tmp_path), np.full((3, 4, 4), 40000, np.uint16))
    assert open_volume(str(tmp_path))[:].max() == 40000  # all 16-bit: read as uint16
    iio.imwrite(tmp_path / "0000.png", np.zeros((4, 4), np.uint8))
    with pytest.raises(DataError, match=r"0001\.png' is a 16-bit PNG but the first slice"):
        open_volume(str(tmp_path))
