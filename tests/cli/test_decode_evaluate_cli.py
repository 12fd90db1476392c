"""`connectomics decode` and `evaluate` on files: perfect predictions give perfect scores."""

import json

import h5py
import numpy as np

from connectomics.cli.main import main


def _labels() -> np.ndarray:
    label = np.zeros((8, 32, 32), dtype=np.uint32)
    label[1:7, 2:12, 2:12] = 1
    label[1:7, 16:30, 16:30] = 2
    return label


def test_decode_then_evaluate(tmp_path, capsys):
    label = _labels()
    with h5py.File(tmp_path / "pred.h5", "w") as f:
        f["prediction"] = (label > 0).astype(np.float32)[None]
    with h5py.File(tmp_path / "gt.h5", "w") as f:
        f["label"] = label
    seg = tmp_path / "seg.h5"
    assert (
        main(
            [
                "decode",
                "--input",
                f"{tmp_path / 'pred.h5'}:prediction",
                "--output",
                f"{seg}:seg",
                "--decoder",
                "binary_cc",
            ]
        )
        == 0
    )
    with h5py.File(seg) as f:
        assert len(np.unique(f["seg"][...])) == 3
    report = tmp_path / "scores.json"
    assert (
        main(
            [
                "evaluate",
                "--prediction",
                f"{seg}:seg",
                "--label",
                f"{tmp_path / 'gt.h5'}:label",
                "--metrics",
                "adapted_rand",
                "voi",
                "--json",
                str(report),
            ]
        )
        == 0
    )
    scores = json.loads(report.read_text())
    assert scores["adapted_rand"] < 1e-6
    assert "adapted_rand" in capsys.readouterr().out


def test_decode_refuses_existing_output(tmp_path, capsys):
    with h5py.File(tmp_path / "pred.h5", "w") as f:
        f["prediction"] = np.zeros((1, 4, 8, 8), np.float32)
    out = tmp_path / "seg.npy"
    out.write_bytes(b"earlier result")
    code = main(["decode", "--input", f"{tmp_path / 'pred.h5'}:prediction", "--output", str(out)])
    assert code == 2
    assert out.read_bytes() == b"earlier result"


def test_evaluate_honours_num_threads_and_refuses_other_keys(tmp_path, capsys):
    import torch

    label = _labels()
    with h5py.File(tmp_path / "gt.h5", "w") as f:
        f["label"] = label
    before = torch.get_num_threads()
    gt = f"{tmp_path / 'gt.h5'}:label"
    try:
        assert main(["evaluate", "--prediction", gt, "--label", gt, "system.num_threads=1"]) == 0
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    assert main(["evaluate", "--prediction", gt, "--label", gt, "data.batch_size=2"]) == 2
    assert "system.num_threads=N" in capsys.readouterr().err
