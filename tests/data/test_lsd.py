"""Local shape descriptors checked by value against their definition (Sheridan et al. 2023)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from connectomics.config.target_specs import TARGET_SPECS, lsd_channels
from connectomics.data.targets import build_target, local_shape_descriptors


def _brute_force(label: np.ndarray, voxel: tuple[int, ...], sigma: float) -> np.ndarray:
    """The paper's statistics at one voxel, as explicit Gaussian-weighted sums over its segment."""
    ndim = label.ndim
    grid = np.stack(np.meshgrid(*[np.arange(n) for n in label.shape], indexing="ij"), -1)
    d2 = ((grid - np.asarray(voxel)) ** 2).sum(-1)
    # the sampled, normalised Gaussian window (as a separable filter of truncated kernels)
    radius = int(4 * sigma + 0.5)
    inwin = np.all(np.abs(grid - np.asarray(voxel)) <= radius, -1)
    kernel1d = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    w = np.exp(-0.5 * d2 / sigma**2) * inwin / kernel1d.sum() ** ndim
    w = w * (label == label[voxel])
    size = w.sum()
    mean = (w[..., None] * grid).sum(tuple(range(ndim))) / size
    centred = grid - mean
    flat = centred.reshape(-1, ndim)
    cov = (flat * w.reshape(-1, 1)).T @ flat / size
    out = [(mean[a] - voxel[a]) / sigma / 2 + 0.5 for a in range(ndim)]
    out += [cov[a, a] / sigma**2 for a in range(ndim)]
    out += [cov[i, j] / sigma**2 / 2 + 0.5 for i in range(ndim) for j in range(i + 1, ndim)]
    return np.clip(np.array([*out, size]), 0, 1)


def test_channel_count_is_the_spec():
    assert lsd_channels(3) == 10 and lsd_channels(2) == 6
    assert TARGET_SPECS["lsd"].channel_count({}, 3) == 10
    assert TARGET_SPECS["lsd"].activations({}, 3) == ["sigmoid"] * 10


def test_matches_definition_on_two_segments():
    rng = np.random.default_rng(0)
    label = np.zeros((14, 16, 18), np.int64)
    label[2:12, 3:13, 2:9] = 1
    label[:, :, 9:] = 2  # touching segment: descriptors stop at the segment boundary
    label[(rng.random(label.shape) < 0.02) & (label == 1)] = 0
    sigma = 2.0
    lsd = local_shape_descriptors(label, sigma)
    assert lsd.shape == (10, *label.shape) and lsd.dtype == np.float32
    for voxel in [(7, 8, 5), (2, 3, 2), (11, 12, 8), (7, 8, 9), (0, 0, 17), (5, 10, 12)]:
        if label[voxel] == 0:
            continue
        np.testing.assert_allclose(
            lsd[(slice(None), *voxel)], _brute_force(label, voxel, sigma), atol=1e-5
        )
    np.testing.assert_array_equal(lsd[:, label == 0], 0.0)


def test_known_values_deep_inside_and_on_a_flat_face():
    sigma = 3.0
    label = np.ones((40, 40, 40), np.int64)
    label[:, :, :20] = 2  # two half-spaces meeting at x = 19.5
    lsd = local_shape_descriptors(label, sigma)
    centre = lsd[:, 20, 20, 30]  # > 3 sigma from the face along x (4 sigma window cut: ~1e-4)
    np.testing.assert_allclose(centre[:3], 0.5, atol=1e-3)  # no mean offset
    np.testing.assert_allclose(centre[3:6], 1.0, atol=2e-2)  # variance sigma^2
    np.testing.assert_allclose(centre[6:9], 0.5, atol=1e-3)  # no covariance
    assert centre[9] == pytest.approx(1.0, abs=2e-3)
    face = lsd[:, 20, 20, 20]  # first voxel of segment 1: half a window
    # along x the window factors into a sampled half Gaussian over k = 0, 1, ... (the other
    # axes integrate out): its mean and variance, about sqrt(2 / pi) sigma and (1 - 2 / pi)
    # sigma^2 for a continuous one
    k = np.arange(0, 13)
    g = np.exp(-0.5 * (k / sigma) ** 2)
    mean = (k * g).sum() / g.sum()
    var = (k**2 * g).sum() / g.sum() - mean**2
    assert face[2] == pytest.approx(mean / sigma / 2 + 0.5, abs=1e-4)
    assert face[5] == pytest.approx(var / sigma**2, abs=1e-3)
    assert mean == pytest.approx(sigma * math.sqrt(2 / math.pi), abs=0.5)
    full = np.exp(-0.5 * (np.arange(-12, 13) / sigma) ** 2).sum()
    assert face[9] == pytest.approx(g.sum() / full, abs=1e-3)
    np.testing.assert_allclose(face[[0, 1]], 0.5, atol=1e-3)
    # mirror symmetry: the other segment's face voxel moves the other way
    assert lsd[2, 20, 20, 19] == pytest.approx(1 - face[2], abs=1e-4)


def test_registered_target_makes_the_descriptors():
    label = np.zeros((8, 12, 12), np.int64)
    label[1:7, 2:10, 2:10] = 3
    target, valid = build_target("lsd", {"sigma": 2.0}).compute_with_mask(label, None)
    np.testing.assert_array_equal(target, local_shape_descriptors(label, 2.0))
    assert valid.shape == target.shape
