"""Configs never leak or hang: `_base_` reads YAML only and never echoes a foreign file,
`${oc.env:...}` is refused (it would be saved everywhere), and an alias bomb fails fast."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connectomics.config import ConfigError, create_config, load_config
from connectomics.config.yaml_text import parse_yaml_mapping

SECRET = "hunter2-do-not-print"
BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]" for i in range(8)]
)


@pytest.fixture
def foreign(tmp_path: Path) -> Path:
    """A non-YAML file whose lines look like a password file."""
    path = tmp_path / "passwd"
    path.write_text(f"root:x:0:0:{SECRET}:/root:/bin/bash\nuser:x:1000:1000::/home:/bin/sh\n")
    return path


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cfg.yaml"
    path.write_text(text)
    return path


def test_base_that_is_not_yaml_is_refused_without_echoing_it(tmp_path, foreign):
    with pytest.raises(ConfigError) as err:
        load_config(_config(tmp_path, f"_base_: {foreign}\n"))
    assert "not a YAML file" in str(err.value) and SECRET not in str(err.value)


def test_yaml_named_symlink_to_a_foreign_file_is_refused_without_echoing_it(tmp_path, foreign):
    (tmp_path / "base.yaml").symlink_to(foreign)
    with pytest.raises(ConfigError) as err:
        load_config(_config(tmp_path, "_base_: base.yaml\n"))
    assert "not YAML" in str(err.value) and SECRET not in str(err.value)


def test_environment_interpolation_is_refused_in_files_and_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("CONNECTOMICS_SECRET", SECRET)
    path = _config(tmp_path, "experiment_name: ${oc.env:CONNECTOMICS_SECRET}\n")
    with pytest.raises(ConfigError, match=r"experiment_name reads the environment") as err:
        load_config(path)
    assert SECRET not in str(err.value)
    with pytest.raises(ConfigError, match=r"logging.save_dir reads the environment"):
        load_config("demo", ["logging.save_dir=${oc.env:CONNECTOMICS_SECRET}"])
    with pytest.raises(ConfigError, match="reads the environment"):
        create_config({"experiment_name": "${oc.env:CONNECTOMICS_SECRET,x}"})


def test_plain_interpolation_still_resolves(tmp_path):
    cfg = load_config(
        _config(tmp_path, "experiment_name: run\nlogging:\n  save_dir: out/${experiment_name}\n")
    )
    assert cfg.logging.save_dir == "out/run"


def test_alias_bomb_fails_fast_in_every_reader(tmp_path):
    with pytest.raises(ConfigError, match="not a YAML config|invalid YAML"):
        parse_yaml_mapping(BOMB, "the config in x.ckpt")
    with pytest.raises(ConfigError):
        load_config(_config(tmp_path, BOMB))


@pytest.mark.slow  # a fresh process or a long run: kept out of the README suite's 5 minutes
def test_alias_bomb_in_a_checkpoint_config_ends_predict_with_one_error_line(tmp_path):
    import torch

    ckpt = tmp_path / "bomb.ckpt"
    torch.save({"state_dict": {}, "connectomics_config": BOMB, "hyper_parameters": {}}, ckpt)
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("connectomics")),
            "predict",
            "--checkpoint",
            str(ckpt),
            "--input",
            str(tmp_path / "in.h5"),
            "--output",
            str(tmp_path / "out.zarr"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().count("\n") == 0 and run.stderr.startswith("error:"), run.stderr
