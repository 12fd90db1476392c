"""NaN/inf at inference: an input window holding them and a checkpoint with NaN weights are
refused with one error line, never turned into a NaN prediction with exit 0."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tests.lightning.conftest import LUCCHI


def _nan_raw(tmp_path: Path) -> str:
    from connectomics.data.io import write_volume

    image = np.random.default_rng(0).random((16, 32, 32), dtype=np.float32)
    image[9, 20, 3] = np.nan
    image[10, 21, 4] = np.inf
    write_volume(str(tmp_path / "nan_raw.h5"), image, key="raw")
    return f"{tmp_path / 'nan_raw.h5'}:raw"


def _one_error_line(code: int, err: str) -> None:
    assert code == 2, err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_predict_refuses_a_nan_input_window_naming_the_box(cli, trained, tmp_path):
    output = tmp_path / "out.h5"
    code, _, err = cli(
        "predict",
        "--checkpoint",
        trained["ckpt"],
        "--input",
        _nan_raw(tmp_path),
        "--output",
        output,
    )
    _one_error_line(code, err)
    assert "nan_raw.h5" in err and "NaN/inf voxel" in err and "box [" in err


def test_test_refuses_a_nan_test_volume(cli, trained, tmp_path):
    code, _, err = cli(
        "test",
        "--checkpoint",
        trained["ckpt"],
        f"data.test_image={_nan_raw(tmp_path)}",
        f"inference.output_path={tmp_path / 'out'}",
    )
    _one_error_line(code, err)
    assert "NaN/inf voxel" in err
    assert not list((tmp_path / "out").glob("*_prediction.*"))


def test_the_window_check_reads_nothing_more_than_the_windows():
    """Only the windows themselves are checked: a finite box of a volume with NaN elsewhere
    predicts."""
    from connectomics.data.inference import predict_volume

    image = np.zeros((8, 32, 32), np.float32)
    image[:, :, 16:] = np.nan
    calls = []

    class Spy:
        shape, dtype, ndim = image.shape, image.dtype, image.ndim

        def __getitem__(self, index):
            calls.append(index)
            return image[index]

    from connectomics.data.errors import DataError

    with pytest.raises(DataError, match=r"box \[0:8, 0:16, 16:32\] holds 2048 NaN/inf"):
        predict_volume(
            torch.nn.Conv3d(1, 1, 1), Spy(), window_size=[8, 16, 16], overlap=0, normalize="none"
        )
    assert all(np.isfinite(image[c]).all() for c in calls[:-1])  # no extra whole-volume pass


def test_a_checkpoint_with_nan_weights_is_refused_at_load(cli, trained, tmp_path):
    checkpoint = torch.load(trained["ckpt"], map_location="cpu", weights_only=True)
    name = next(k for k, v in checkpoint["state_dict"].items() if v.is_floating_point())
    checkpoint["state_dict"][name].view(-1)[0] = float("nan")
    bad = tmp_path / "nan.ckpt"
    torch.save(checkpoint, bad)
    image = next(o for o in trained["overrides"] if o.startswith("data.test_image="))
    image = image.split("=", 1)[1]
    code, _, err = cli(
        "predict", "--checkpoint", bad, "--input", image, "--output", tmp_path / "o.h5"
    )
    _one_error_line(code, err)
    assert f"weight {name} holds 1 NaN/inf" in err
    code, _, err = cli("train", "--config", LUCCHI, *trained["overrides"], "--resume", bad)
    _one_error_line(code, err)
    assert f"weight {name} holds 1 NaN/inf" in err
