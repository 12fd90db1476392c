"""Shared fixtures: real EM crops (tests/em_data, and the samples that ship with
connectomics-data) and small generated volumes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
EM_DATA = Path(__file__).resolve().parent / "em_data"


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tests run on one torch thread: stable under the shared, noisy CI cores."""
    torch.set_num_threads(1)
    yield


@pytest.fixture(scope="session")
def em_data() -> Path:
    """The folder of real EM crops with ground truth kept in the repository (see its README)."""
    return EM_DATA


@pytest.fixture(scope="session")
def medulla(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the two FIB-SEM medulla crops that ship with connectomics-data."""
    import zipfile

    from connectomics.data.samples import sample_archive

    folder = tmp_path_factory.mktemp("fibsem_medulla")
    with zipfile.ZipFile(sample_archive("fibsem_medulla")) as archive:
        archive.extractall(folder)
    return folder


@pytest.fixture(scope="session")
def medulla_train(medulla: Path) -> Path:
    """FIB-SEM medulla training crop (raw uint8, label uint32 neuron ids), 50 x 100 x 200."""
    return medulla / "train.h5"


@pytest.fixture(scope="session")
def medulla_test(medulla: Path) -> Path:
    """FIB-SEM medulla test crop, 50 x 100 x 200."""
    return medulla / "test.h5"


@pytest.fixture(scope="session")
def isbi_membranes(em_data: Path) -> Path:
    """ISBI 2012 ssTEM stack (12 x 256 x 256 crop) with binary membrane labels."""
    return em_data / "isbi2012_membranes.h5"


@pytest.fixture
def em_volume() -> tuple[np.ndarray, np.ndarray]:
    """A small generated EM-like volume (uint8 image, uint32 instance labels), 24x48x48."""
    from connectomics.data.synthetic import make_mitochondria_volume

    return make_mitochondria_volume(shape=(24, 48, 48), seed=0)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked `gpu` need a CUDA device; they are the only ones allowed to skip."""
    if item.get_closest_marker("gpu") and not torch.cuda.is_available():
        pytest.skip("gpu: needs a CUDA device")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Turn any skip of a test not marked `gpu` into a failure: a thinner suite is not a green one."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and not item.get_closest_marker("gpu"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"unexpected skip (only tests marked `gpu` may skip): {reason}"
