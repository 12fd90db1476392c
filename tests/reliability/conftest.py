"""Fixtures of the reliability tests: tiny volumes, a tiny config and a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lightning.conftest import LUCCHI, tiny_overrides, write_tiny_volumes


@pytest.fixture
def tiny_data(tmp_path: Path) -> dict[str, str]:
    """Paths of tiny train/test volumes in tmp_path/data."""
    return write_tiny_volumes(tmp_path / "data")


@pytest.fixture
def overrides(tmp_path: Path, tiny_data: dict[str, str]) -> list[str]:
    """Dot-list overrides of lucchi.yaml for a one-second run saved in tmp_path/run."""
    return tiny_overrides(tiny_data, tmp_path / "run")


@pytest.fixture
def tiny_cfg(overrides: list[str]):
    """lucchi.yaml pointed at tiny volumes, with a tiny network and one short epoch."""
    from connectomics.config import load_config

    return load_config(str(LUCCHI), overrides=overrides)


@pytest.fixture
def cli(capsys):
    """Run `connectomics ARGS...` in-process; returns (exit code, stdout, stderr)."""
    from connectomics.cli.main import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    """last.ckpt of one tiny epoch on tiny volumes (trained once per session, read-only use)."""
    import shutil

    from connectomics.cli.main import main

    folder = tmp_path_factory.mktemp("tiny_checkpoint")
    data = write_tiny_volumes(folder / "data")
    args = tiny_overrides(data, folder / "run")
    assert main(["train", "--config", str(LUCCHI), *args, "checkpoint.save_top_k=0"]) == 0
    ckpt = folder / "tiny.ckpt"
    shutil.copy(folder / "run" / "last.ckpt", ckpt)
    shutil.rmtree(folder / "run")
    return ckpt
