"""Issue 26: a decoder option of the wrong type is one `error:` line, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture
def prediction(tmp_path: Path) -> Path:
    """A tiny one-channel foreground probability saved as .npy."""
    rng = np.random.default_rng(0)
    path = tmp_path / "pred.npy"
    np.save(path, rng.random((1, 4, 16, 16)).astype(np.float32))
    return path


@pytest.mark.parametrize(
    "override", ["decoding.kwargs.threshold=abc", "decoding.kwargs.min_size=big"]
)
def test_mistyped_decoder_kwarg_is_one_error_line(cli, prediction: Path, tmp_path: Path, override):
    out = tmp_path / "seg.npy"
    code, _, err = cli(
        "decode", "--input", prediction, "--output", out, "--decoder", "binary_cc", override
    )
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    assert override.split("=")[0].rsplit(".", 1)[1] in lines[0]
    assert not out.exists()
