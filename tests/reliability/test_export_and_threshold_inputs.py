"""`export` never replaces its own checkpoint and keeps an old export when a new one fails;
`evaluate --threshold` takes probabilities only."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectomics.cli.main import main


def _error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("error:"), err
    return err


@pytest.mark.parametrize("how", ["itself", "symlink"])
def test_export_refuses_to_write_onto_its_checkpoint(tmp_path, capsys, how):
    ckpt = tmp_path / "model.ckpt"
    ckpt.write_bytes(b"weights that must survive")
    target = ckpt
    if how == "symlink":
        target = tmp_path / "link.pt"
        target.symlink_to(ckpt)
    code = main(
        [
            "export",
            "--checkpoint",
            str(ckpt),
            "--format",
            "torchscript",
            "--output",
            str(target),
            "--overwrite",
        ]
    )
    assert code == 2 and "is the input" in _error(capsys)
    assert ckpt.read_bytes() == b"weights that must survive"


def test_failed_export_keeps_the_old_output(tmp_path, capsys):
    ckpt = tmp_path / "model.ckpt"
    ckpt.write_bytes(b"not a checkpoint")
    old = tmp_path / "model.pt"
    old.write_bytes(b"old export")
    code = main(
        [
            "export",
            "--checkpoint",
            str(ckpt),
            "--format",
            "torchscript",
            "--output",
            str(old),
            "--overwrite",
        ]
    )
    assert code == 2 and _error(capsys)
    assert old.read_bytes() == b"old export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.ckpt", "model.pt"]


@pytest.mark.parametrize("threshold", ["nan", "5", "inf", "0", "-0.1"])
def test_evaluate_refuses_a_threshold_that_is_not_a_probability(tmp_path, capsys, threshold):
    for name in ("p.npy", "g.npy"):
        Path(tmp_path / name).write_bytes(b"")
    code = main(
        [
            "evaluate",
            "--prediction",
            str(tmp_path / "p.npy"),
            "--label",
            str(tmp_path / "g.npy"),
            "--threshold",
            threshold,
        ]
    )
    assert code == 2 and "--threshold" in _error(capsys)
