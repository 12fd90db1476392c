"""Synthetic EM-like volumes: exact labels, EM-like contrast, seeding, anisotropy, speed."""

from __future__ import annotations

import cc3d
import numpy as np
import pytest
from scipy import ndimage
from skimage.segmentation import find_boundaries

from connectomics.data.errors import DataError
from connectomics.data.synthetic import make_mitochondria_volume, make_neuron_volume


def test_neuron_volume_cells_are_exact_and_membranes_dark() -> None:
    image, label = make_neuron_volume((16, 48, 48), seed=3)
    assert image.shape == label.shape == (16, 48, 48)
    assert image.dtype == np.uint8 and label.dtype == np.uint32
    ids = np.unique(label)
    np.testing.assert_array_equal(ids, np.arange(1, ids.max() + 1))  # dense, consecutive
    assert ids.size > 10
    # Every id is one connected cell (watershed basins), so labels match what is drawn.
    _, components = cc3d.connected_components(label, return_N=True)
    assert components == ids.size
    boundary = find_boundaries(label, mode="inner")
    assert image[boundary].mean() < image[~boundary].mean() - 60


def test_seed_controls_the_volume() -> None:
    first = make_neuron_volume((8, 32, 32), seed=1)
    again = make_neuron_volume((8, 32, 32), seed=1)
    other = make_neuron_volume((8, 32, 32), seed=2)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], other[1])


def test_anisotropy_makes_cells_span_fewer_sections() -> None:
    def mean_z_extent(label: np.ndarray) -> float:
        boxes = [b for b in ndimage.find_objects(label) if b is not None]
        return float(np.mean([b[0].stop - b[0].start for b in boxes]))

    _, isotropic = make_neuron_volume((24, 64, 64), seed=0, anisotropy=1)
    _, anisotropic = make_neuron_volume((24, 64, 64), seed=0, anisotropy=4)
    assert mean_z_extent(anisotropic) < 0.6 * mean_z_extent(isotropic)


def test_mitochondria_are_dark_objects_with_darker_membranes() -> None:
    image, label = make_mitochondria_volume((16, 64, 64), seed=0)
    assert image.dtype == np.uint8 and label.dtype == np.uint32
    ids = np.unique(label)
    np.testing.assert_array_equal(ids, np.arange(0, ids.max() + 1))
    assert ids.max() >= 3
    foreground = label > 0
    assert 0.02 < foreground.mean() < 0.5
    assert image[foreground].mean() < image[~foreground].mean() - 50
    depth = ndimage.distance_transform_edt(foreground)
    membrane = (depth > 1.5) & (depth <= 2.5)  # the outermost voxel is blurred with cytoplasm
    assert image[membrane].mean() < image[depth > 3].mean() - 10


def test_bad_shape_is_a_data_error() -> None:
    with pytest.raises(DataError, match="three positive sizes"):
        make_neuron_volume((16, 16))
    with pytest.raises(DataError, match="anisotropy"):
        make_neuron_volume((4, 16, 16), anisotropy=0)
