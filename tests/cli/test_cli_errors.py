"""User errors end in one line on stderr and exit code 2; nothing is overwritten silently."""

import subprocess
import sys
from pathlib import Path

import pytest

from connectomics.cli.main import main


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "connectomics.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_unknown_config_key_is_one_line_with_suggestion(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("training:\n  max_epoch: 3\n")
    code = main(["config", "validate", "--config", str(bad)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "training.max_epoch" in err and "training.max_epochs" in err


def test_bad_override_is_refused(capsys):
    code = main(["config", "validate", "--config", "demo", "optimizer.lr=fast"])
    err = capsys.readouterr().err
    assert code == 2 and "optimizer.lr" in err


def test_missing_resume_checkpoint(tmp_path, capsys):
    code = main(["train", "--config", "demo", "--resume", str(tmp_path / "nope.ckpt")])
    err = capsys.readouterr().err
    assert code == 2 and "nope.ckpt" in err


def test_corrupt_checkpoint_is_refused(tmp_path, capsys):
    ckpt = tmp_path / "broken.ckpt"
    ckpt.write_bytes(b"not a checkpoint at all")
    code = main(["test", "--config", "demo", "--checkpoint", str(ckpt)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "broken.ckpt" in err and len(err.splitlines()) == 1


def test_config_show_prints_resolved_yaml(capsys):
    assert main(["config", "show", "--config", "demo", "training.max_epochs=7"]) == 0
    assert "max_epochs: 7" in capsys.readouterr().out


@pytest.mark.slow  # a fresh process or a long run: kept out of the README suite's 5 minutes
def test_info_lists_versions_and_registries():
    result = run_cli("info")
    assert result.returncode == 0, result.stderr
    for word in ["connectomics-core", "models:", "losses:", "targets:", "decoders:", "unet_res_em"]:
        assert word in result.stdout


def test_info_with_a_config_reports_the_model_size(capsys):
    assert main(["info", "--config", "demo", "model.filters=[16,32,64,128]"]) == 0
    base = capsys.readouterr().out
    assert (
        main(
            ["info", "--config", "demo", "model.filters=[16,32,64,128]", "model.kwargs={blocks: 2}"]
        )
        == 0
    )
    deeper = capsys.readouterr().out
    assert "parameters:     1,26" in base and "parameters:     2,73" in deeper
    assert main(["info", "--config", "demo", "model.kwargs={blocks: 0}"]) == 2
    assert "model.kwargs.blocks" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["demo"])
def test_demo_refuses_to_overwrite(tmp_path, capsys, command):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "earlier.txt").write_text("keep me")
    assert main([command, "--out", str(out)]) == 2
    assert (out / "earlier.txt").read_text() == "keep me"
    assert "--overwrite" in capsys.readouterr().err
