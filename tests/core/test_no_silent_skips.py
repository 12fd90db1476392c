"""The suite's rule: a skipped test fails unless it is marked `gpu` (tests/conftest.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import pytest

def test_skipped_for_no_reason():
    pytest.skip("data not found")

@pytest.mark.gpu
def test_needs_a_gpu():
    import torch
    assert torch.cuda.is_available()

def test_passes():
    assert True
"""


@pytest.mark.slow  # a fresh process or a long run: kept out of the README suite's 5 minutes
def test_an_unmarked_skip_fails_and_a_gpu_skip_does_not(tmp_path: Path) -> None:
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.conftest",
            "-p",
            "no:cacheprovider",
            "-m",
            "",
            "--rootdir",
            str(tmp_path),
            "-o",
            "markers=gpu: needs CUDA",
            str(probe),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1, result.stdout
    assert (
        "unexpected skip (only tests marked `gpu` may skip): Skipped: data not found"
        in result.stdout
    )
    gpu_outcome = "1 skipped" if not _cuda() else "2 passed"
    assert "1 failed" in result.stdout and gpu_outcome in result.stdout, result.stdout


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()
