"""`connectomics plan`: bad input is one line and exit 2; a plan trains as written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from connectomics.cli.main import main
from connectomics.config import load_config


def _plan(tmp_path: Path, *args: str) -> int:
    return main(["plan", *args, "--threads", "1", "--output", str(tmp_path / "plan.yaml")])


def test_plan_refuses_to_guess_the_voxel_size(tmp_path, isbi_membranes, capsys):
    code = _plan(
        tmp_path,
        "--image",
        str(isbi_membranes),
        "--label",
        str(isbi_membranes),
        "--task",
        "semantic",
    )
    err = capsys.readouterr().err
    assert code == 2 and "--voxel-size" in err and "Traceback" not in err
    assert not (tmp_path / "plan.yaml").exists()
    code = _plan(
        tmp_path, "--image", str(isbi_membranes), "--voxel-size", "50,4", "--task", "semantic"
    )
    assert code == 2 and "Z,Y,X" in capsys.readouterr().err


def test_plan_writes_a_commented_config_that_loads(tmp_path, isbi_membranes, capsys):
    code = _plan(
        tmp_path,
        "--image",
        str(isbi_membranes),
        "--label",
        str(isbi_membranes),
        "--voxel-size",
        "50,4,4",
        "--task",
        "semantic",
        "--time",
        "0.2",
    )
    assert code == 0, capsys.readouterr().err
    text = (tmp_path / "plan.yaml").read_text()
    assert "# pool an axis while its spacing" in text and "Trial steps" in text
    cfg = load_config(tmp_path / "plan.yaml")
    assert list(cfg.data.voxel_size) == [50.0, 4.0, 4.0]
    assert cfg.model.strides[0] == [1, 2, 2]
    assert cfg.data.augmentation.missing_section.enabled
    # an existing output is not replaced without --force
    assert (
        _plan(
            tmp_path,
            "--image",
            str(isbi_membranes),
            "--label",
            str(isbi_membranes),
            "--voxel-size",
            "50,4,4",
            "--task",
            "semantic",
        )
        == 2
    )


def test_config_show_reports_sizes_in_voxels_and_nm(tmp_path, capsys):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "model": {"out_channels": 2},
                "data": {
                    "voxel_size": [40, 4, 4],
                    "targets": [
                        {"name": "affinity", "kwargs": {"offsets_nm": [[40, 0, 0], [0, 16, 0]]}}
                    ],
                },
            }
        )
    )
    assert main(["config", "show", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "[0, 4, 0] vox = [0, 16, 0] nm" in out and "offsets_nm" in out


@pytest.mark.slow
@pytest.mark.parametrize("which", ["isbi", "medulla"])
def test_planned_config_trains_on_the_first_try(tmp_path, which, isbi_membranes, medulla_train):
    """Each shipped crop: plan with a tiny time budget, then `connectomics train` runs it."""
    if which == "isbi":
        args = [
            "--image",
            str(isbi_membranes),
            "--label",
            str(isbi_membranes),
            "--voxel-size",
            "50,4,4",
            "--task",
            "semantic",
        ]
    else:
        args = [
            "--image",
            str(medulla_train),
            "--label",
            str(medulla_train),
            "--voxel-size",
            "10,10,10",
            "--task",
            "neurons",
        ]
    assert _plan(tmp_path, *args, "--time", "0.5") == 0
    run = subprocess.run(
        [sys.executable, "-m", "connectomics.cli.main", "train", "--config", "plan.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert list((tmp_path / "outputs").rglob("last.ckpt"))
