"""`connectomics demo` runs the whole cycle and its numbers show learning."""

import re
import subprocess
import sys

import pytest


def _row(name: str, stdout: str) -> tuple[float, float]:
    match = re.search(rf"^{name}\s+([\d.]+)\s+([\d.]+)", stdout, re.M)
    assert match, stdout
    before, after = map(float, match.groups())
    return before, after


@pytest.mark.slow
def test_demo_learns(tmp_path):
    out = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "connectomics.cli.main", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for name in [
        "demo.png",
        "config.yaml",
        "predictions/test_prediction.zarr",
        "predictions/test_segmentation.zarr",
    ]:
        assert (out / name).exists(), name
    from PIL import Image

    assert Image.open(out / "demo.png").size[0] >= 1000
    before, after = _row("dice", result.stdout)
    assert after > before + 0.2 and after > 0.6
    assert _row("ap50", result.stdout)[1] >= 0.8
    assert _row("adapted_rand", result.stdout)[1] <= 0.15
    # BatchNorm trained: its running statistics moved from their initial values
    import torch

    checkpoint = torch.load(out / "run" / "checkpoints" / "last.ckpt", weights_only=True)
    tracked = [v for k, v in checkpoint["state_dict"].items() if k.endswith("num_batches_tracked")]
    assert tracked and all(int(t) > 0 for t in tracked)
