"""`connectomics demo` runs the whole cycle and its numbers show learning."""

import re
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_demo_learns(tmp_path):
    out = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "connectomics.cli.main", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for name in [
        "demo.png",
        "config.yaml",
        "predictions/test_prediction.h5",
        "predictions/test_segmentation.h5",
    ]:
        assert (out / name).exists(), name
    match = re.search(r"^dice\s+([\d.]+)\s+([\d.]+)", result.stdout, re.M)
    assert match, result.stdout
    before, after = map(float, match.groups())
    assert after > before + 0.2 and after > 0.6
