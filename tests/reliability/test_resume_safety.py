"""`train --resume` with a bad file: one error line and exit 2; never unpickles code."""

from __future__ import annotations

import ast
import os
import shutil
from pathlib import Path

import pytest
import torch

from tests.lightning.conftest import LUCCHI

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def trained(cli, overrides, tmp_path) -> Path:
    """last.ckpt of a one-epoch run (copied out of its run folder)."""
    code, _, err = cli("train", "--config", LUCCHI, *overrides, "checkpoint.save_top_k=0")
    assert code == 0, err
    ckpt = tmp_path / "good.ckpt"
    shutil.copy(tmp_path / "run" / "last.ckpt", ckpt)
    shutil.rmtree(tmp_path / "run")
    return ckpt


class _Payload:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _resume(cli, overrides, ckpt, *extra):
    code, _, err = cli("train", "--config", LUCCHI, *overrides, *extra, "--resume", ckpt)
    assert code == 2, err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    return err


def test_truncated_checkpoint(cli, overrides, trained, tmp_path):
    cut = tmp_path / "cut.ckpt"
    cut.write_bytes(trained.read_bytes()[: trained.stat().st_size // 2])
    assert "corrupt, truncated" in _resume(cli, overrides, cut)


def test_checkpoint_of_another_architecture(cli, overrides, trained):
    err = _resume(cli, overrides, trained, "model.filters=[8,16]")
    assert "does not fit the configured model" in err and "shape" in err


@pytest.mark.parametrize("kind", ["hdf5", "tensor", "weights"])
def test_file_that_is_not_a_checkpoint(cli, overrides, tiny_data, trained, tmp_path, kind):
    path = Path(tiny_data["train_image"])
    if kind == "tensor":
        path = tmp_path / "tensor.pt"
        torch.save(torch.ones(3), path)
    if kind == "weights":  # a bare state_dict, as torch.save(model.state_dict()) writes
        path = tmp_path / "weights.pt"
        torch.save(torch.load(trained, weights_only=True)["state_dict"], path)
    err = _resume(cli, overrides, path)
    assert str(path) in err and ("not a Lightning training checkpoint" in err or "corrupt" in err)


def test_malicious_checkpoint_never_runs_even_when_torch_is_told_to_trust(
    cli, overrides, trained, tmp_path, monkeypatch
):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.ckpt"
    checkpoint = torch.load(trained, weights_only=True)
    checkpoint["payload"] = _Payload(marker)
    torch.save(checkpoint, evil)
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    assert "untrusted" in _resume(cli, overrides, evil)
    from connectomics.lightning import ConnectomicsModule
    from connectomics.lightning.errors import CheckpointError

    with pytest.raises(CheckpointError):
        ConnectomicsModule.load_from_checkpoint(evil)
    assert not marker.exists()


def test_every_torch_load_in_the_packages_passes_weights_only_true():
    calls = []
    for path in (REPO / "packages").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "load"
                and getattr(node.func.value, "id", None) == "torch"
            ):
                kw = {k.arg: k.value for k in node.keywords}
                ok = isinstance(kw.get("weights_only"), ast.Constant) and kw["weights_only"].value
                calls.append((os.path.relpath(path, REPO), node.lineno, bool(ok)))
    assert calls and all(ok for *_, ok in calls), calls


def test_torch_pin_is_at_least_2_6():
    text = (REPO / "packages" / "connectomics-core" / "pyproject.toml").read_text()
    assert '"torch>=2.6"' in text
    assert tuple(int(x) for x in torch.__version__.split(".")[:2]) >= (2, 6)
