"""Checkpoints: last.ckpt is really the last epoch, and writes are atomic (crash, full disk)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest
import torch

from tests.config_edit import set_key
from tests.lightning.conftest import LUCCHI


class _FlatValLoss:
    """Mixin: a validation loss that never improves after the first epoch."""

    def validation_step(self, batch, batch_idx):
        self.log("val/loss", 1.0, on_epoch=True, batch_size=1)


def test_last_ckpt_is_the_last_epoch_even_when_the_monitor_does_not_improve(tiny_cfg, tmp_path):
    from pytorch_lightning import seed_everything

    from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer

    class Module(_FlatValLoss, ConnectomicsModule):
        pass

    set_key(tiny_cfg, "training.max_epochs", 3)
    seed_everything(0)
    trainer = create_trainer(tiny_cfg, logger=False)
    trainer.fit(Module(tiny_cfg), datamodule=ConnectomicsDataModule(tiny_cfg))
    folder = tmp_path / "run"
    last = torch.load(folder / "last.ckpt", map_location="cpu", weights_only=True)
    assert last["epoch"] == 2 and last["global_step"] == trainer.global_step == 6
    best = torch.load(trainer.checkpoint_callback.best_model_path, weights_only=True)
    assert best["global_step"] == 2  # the first epoch stays best: the metric never improved
    assert not list(folder.glob(".*.tmp"))


def _write_then_fail(error: BaseException, keep: int = 1000):
    real_save = torch.save

    def save(obj, handle, *args, **kwargs):
        real_save(obj, handle, *args, **kwargs)
        handle.truncate(keep)  # part of the file reached the disk, then the write failed
        raise error

    return save


def test_full_disk_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    from connectomics.lightning.checkpoint_io import atomic_torch_save
    from connectomics.lightning.errors import CheckpointWriteError

    target = tmp_path / "last.ckpt"
    atomic_torch_save({"state_dict": {"w": torch.arange(10.0)}}, target)
    before = target.read_bytes()
    monkeypatch.setattr(torch, "save", _write_then_fail(OSError(errno.ENOSPC, "No space")))
    with pytest.raises(CheckpointWriteError, match="disk is full; the previous file there is kept"):
        atomic_torch_save({"state_dict": {"w": torch.zeros(100000)}}, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.ckpt"]  # no temp file left


_KILLED_WRITER = """
import os, signal, sys, torch
from connectomics.lightning.checkpoint_io import atomic_torch_save
real = torch.save
def save(obj, handle, *a, **k):
    real(obj, handle, *a, **k)
    handle.truncate(500)
    handle.flush()
    os.kill(os.getpid(), signal.SIGKILL)
torch.save = save
atomic_torch_save({"state_dict": {"w": torch.ones(100000)}}, sys.argv[1])
"""


@pytest.mark.slow  # the killed child process imports Lightning (~20 s on a busy machine)
def test_sigkill_during_a_save_leaves_the_previous_checkpoint_intact(tmp_path):
    from connectomics.lightning.checkpoint_io import atomic_torch_save, safe_torch_load

    target = tmp_path / "last.ckpt"
    atomic_torch_save({"state_dict": {"w": torch.arange(10.0)}}, target)
    proc = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(target)], check=False)
    assert proc.returncode == -9
    loaded = safe_torch_load(target)
    torch.testing.assert_close(loaded["state_dict"]["w"], torch.arange(10.0))
    assert len(list(tmp_path.glob(".last.ckpt.*.tmp"))) == 1  # the killed save's temp file
    atomic_torch_save({"state_dict": {"w": torch.ones(3)}}, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.ckpt"]  # cleaned up


@pytest.mark.parametrize(
    "code, words", [(errno.ENOSPC, "disk is full"), (errno.EROFS, "read-only")]
)
def test_cli_train_reports_a_failed_checkpoint_write_and_keeps_the_last_one(
    cli, overrides, tmp_path, monkeypatch, code, words
):
    real_save, calls = torch.save, []

    def save(obj, handle, *args, **kwargs):
        calls.append(1)
        if len(calls) > 1:  # the first epoch's checkpoints are written, then the disk fails
            real_save(obj, handle, *args, **kwargs)
            handle.truncate(1000)
            raise OSError(code, os.strerror(code))
        real_save(obj, handle, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save)
    args = ["train", "--config", LUCCHI, *overrides, "training.max_epochs=3"]
    args += ["checkpoint.save_top_k=0"]  # only last.ckpt: one write per epoch
    code_, _, err = cli(*args)
    assert code_ == 2
    assert err.startswith("error: ") and words in err and len(err.splitlines()) == 1
    last = tmp_path / "run" / "last.ckpt"
    assert torch.load(last, map_location="cpu", weights_only=True)["epoch"] == 0


def test_folder_fsync_ignores_only_filesystems_without_it(tmp_path, monkeypatch):
    from connectomics.lightning import checkpoint_io

    def failing(code):
        def fsync(fd):
            raise OSError(code, os.strerror(code))

        return fsync

    monkeypatch.setattr(checkpoint_io.os, "fsync", failing(errno.EINVAL))
    checkpoint_io._fsync_folder(tmp_path)  # folder fsync unsupported: the rename stands
    monkeypatch.setattr(checkpoint_io.os, "fsync", failing(errno.EIO))
    with pytest.raises(OSError, match="Input/output error"):
        checkpoint_io._fsync_folder(tmp_path)
