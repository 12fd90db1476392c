"""make_mitochondria_volume(min_gap=...) keeps objects apart."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from connectomics.data.synthetic import make_mitochondria_volume


def test_objects_never_touch_with_a_gap():
    _, label = make_mitochondria_volume((24, 48, 48), seed=3, n_objects=60, min_gap=2.0)
    assert label.max() > 5
    for index in range(1, int(label.max()) + 1):
        grown = ndimage.binary_dilation(label == index, iterations=1)
        others = label[grown]
        assert set(np.unique(others)) <= {0, index}
    _, touching = make_mitochondria_volume((24, 48, 48), seed=3, n_objects=60)
    assert touching.max() >= label.max()  # without a gap no object is dropped for crowding
