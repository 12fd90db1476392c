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
def trained(tmp_path_factory) -> dict[str, Path | list[str]]:
    """A checkpoint of a tiny network trained one short epoch, and its overrides."""
    import torch
    from pytorch_lightning import seed_everything

    from connectomics.config import load_config
    from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer

    root = tmp_path_factory.mktemp("trained")
    overrides = tiny_overrides(write_tiny_volumes(root / "data"), root / "run")
    overrides.append(f"checkpoint.dirpath={root / 'ckpt'}")
    cfg = load_config(str(LUCCHI), overrides=overrides)
    seed_everything(0)
    torch.set_num_threads(1)
    trainer = create_trainer(cfg, logger=False)
    trainer.fit(ConnectomicsModule(cfg), datamodule=ConnectomicsDataModule(cfg))
    return {"ckpt": root / "ckpt" / "last.ckpt", "overrides": overrides, "root": root}


@pytest.fixture(scope="session")
def tiny_checkpoint(trained, tmp_path_factory) -> Path:
    """A read-only copy of the session's one-epoch checkpoint (`trained`)."""
    import shutil

    ckpt = tmp_path_factory.mktemp("tiny_checkpoint") / "tiny.ckpt"
    shutil.copy(trained["ckpt"], ckpt)
    return ckpt
