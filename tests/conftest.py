"""Shared fixtures: the real EM volumes in ../shared/data and small generated volumes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tests run on one torch thread: stable under the shared, noisy CI cores."""
    torch.set_num_threads(1)
    yield


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real EM volumes with ground truth; skips when absent."""
    if not (SHARED_DATA / "README.md").exists():
        pytest.skip(f"real EM data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def medulla_train(shared_data: Path) -> Path:
    """FIB-SEM medulla training crop (raw uint8, label uint32 neuron ids)."""
    return shared_data / "fibsem_medulla_train.h5"


@pytest.fixture(scope="session")
def medulla_test(shared_data: Path) -> Path:
    """FIB-SEM medulla test crop."""
    return shared_data / "fibsem_medulla_test.h5"


@pytest.fixture(scope="session")
def isbi_membranes(shared_data: Path) -> Path:
    """ISBI 2012 ssTEM stack with binary membrane labels."""
    return shared_data / "isbi2012_membranes.h5"


def _blob_volume(shape: tuple[int, ...], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Dark ellipsoid-ish blobs in brighter noise, with their instance labels."""
    rng = np.random.default_rng(seed)
    grids = np.meshgrid(*[np.arange(s) for s in shape], indexing="ij")
    label = np.zeros(shape, dtype=np.uint32)
    for i in range(1, 9):
        center = [rng.uniform(0, s) for s in shape]
        radius = [rng.uniform(2, max(3, s / 5)) for s in shape]
        dist = sum(((g - c) / r) ** 2 for g, c, r in zip(grids, center, radius))
        label[dist < 1] = i
    image = 180 - 100 * (label > 0) + rng.normal(0, 15, shape)
    return np.clip(image, 0, 255).astype(np.uint8), label


@pytest.fixture
def em_volume() -> tuple[np.ndarray, np.ndarray]:
    """A small generated EM-like volume (uint8 image, uint32 instance labels), 24x48x48."""
    try:
        from connectomics.data.synthetic import make_mitochondria_volume
    except ImportError:
        return _blob_volume((24, 48, 48), seed=0)
    return make_mitochondria_volume(shape=(24, 48, 48), seed=0)
