"""Prediction stores are bound to their input; one writer per store and per run folder."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from connectomics.data.io import open_volume, read_volume, write_volume

OPTIONS = dict(window_size=(4, 8, 8), overlap=0.25, activation="sigmoid", tta_flip=False)
CHUNK = (4, 8, 8)


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Conv3d(1, 1, 3, padding=1)


def _write(path: Path, seed: int) -> str:
    data = np.random.default_rng(seed).random((8, 16, 16), dtype=np.float32)
    write_volume(str(path), data, key="raw", overwrite=True)
    return f"{path}:raw"


def _predict(source: str, out: Path, **kwargs):
    from connectomics.data.inference import predict_to_store

    return predict_to_store(_model(), open_volume(source), out, CHUNK, **OPTIONS, **kwargs)


def test_predicting_another_input_into_a_store_is_refused(tmp_path):
    from connectomics.data.errors import DataError

    a, b = _write(tmp_path / "a.h5", 0), _write(tmp_path / "b.h5", 1)
    out = tmp_path / "pred.zarr"
    _predict(a, out)
    before = read_volume(f"{out}:prediction")
    with pytest.raises(DataError, match=r"different input volume.*--overwrite"):
        _predict(b, out)
    np.testing.assert_array_equal(read_volume(f"{out}:prediction"), before)
    report = _predict(b, out, overwrite=True)
    assert report.skipped == [] and report.computed
    assert not np.array_equal(read_volume(f"{out}:prediction"), before)


def test_an_input_changed_in_place_is_not_mistaken_for_the_old_one(tmp_path):
    from connectomics.data.errors import DataError

    source = _write(tmp_path / "a.h5", 0)
    out = tmp_path / "pred.zarr"
    _predict(source, out)
    assert _predict(source, out).computed == []  # same input: resumed, nothing recomputed
    _write(tmp_path / "a.h5", 2)  # same path, key, shape and dtype; new content
    with pytest.raises(DataError, match="different input volume"):
        _predict(source, out)


def test_fingerprint_reads_only_a_few_small_blocks():
    from connectomics.data.inference.identity import content_fingerprint

    class Recorder:
        shape, dtype = (512, 512, 512), np.dtype("uint8")

        def __init__(self):
            self.voxels = 0

        def __getitem__(self, region):
            size = [s.stop - s.start for s in region]
            self.voxels += int(np.prod(size))
            return np.zeros(size, np.uint8)

    volume = Recorder()
    assert content_fingerprint(volume) == content_fingerprint(volume)
    assert volume.voxels <= 2 * 8 * 16**3


@pytest.fixture
def live_pid():
    """The pid of a live process that is not this one."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    yield proc.pid
    proc.kill()
    proc.wait()


@pytest.fixture
def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _hold(lock: Path, pid: int) -> None:
    lock.write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "since": time.time()}))


def test_second_writer_of_a_store_is_told_who_holds_it(tmp_path, live_pid):
    from connectomics.data.locking import LockedError, lock_path_for

    out = tmp_path / "pred.zarr"
    _hold(lock_path_for(out), live_pid)
    with pytest.raises(LockedError, match=rf"pid {live_pid} on host {socket.gethostname()}"):
        _predict(_write(tmp_path / "a.h5", 0), out)
    assert not out.exists()


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path, dead_pid):
    from connectomics.data.locking import lock_path_for

    out = tmp_path / "pred.zarr"
    _hold(lock_path_for(out), dead_pid)
    report = _predict(_write(tmp_path / "a.h5", 0), out)
    assert len(report.computed) == report.n_chunks
    assert not lock_path_for(out).exists()  # released when done


def test_two_concurrent_predict_processes_one_wins_one_is_refused(tmp_path):
    from connectomics.data.locking import WriterLock, lock_path_for

    out = tmp_path / "pred.zarr"
    # A child process holds the lock, as a running `connectomics predict` would.
    code = (
        "import sys, time; from connectomics.data.locking import WriterLock, lock_path_for\n"
        f"WriterLock(lock_path_for({str(out)!r}), 'x').acquire(); print('held', flush=True)\n"
        "time.sleep(600)"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        from connectomics.data.locking import LockedError

        with pytest.raises(LockedError, match=f"pid {child.pid}"):
            WriterLock(lock_path_for(out), "prediction store").acquire()
    finally:
        child.kill()
        child.wait()
    with WriterLock(lock_path_for(out), "prediction store") as lock:  # the holder died
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()


def test_second_training_run_into_a_locked_folder_is_refused(cli, overrides, tmp_path, live_pid):
    from connectomics.lightning.run_lock import LOCK_NAME
    from tests.lightning.conftest import LUCCHI

    folder = tmp_path / "run"
    folder.mkdir()
    _hold(folder / LOCK_NAME, live_pid)
    code, _, err = cli("train", "--config", LUCCHI, *overrides)
    assert code == 2 and err.startswith("error: ") and f"pid {live_pid}" in err, err
    assert not list(folder.glob("*.ckpt"))


def test_training_takes_over_a_stale_run_lock_and_releases_it(cli, overrides, tmp_path, dead_pid):
    from connectomics.lightning.run_lock import LOCK_NAME
    from tests.lightning.conftest import LUCCHI

    folder = tmp_path / "run"
    folder.mkdir()
    _hold(folder / LOCK_NAME, dead_pid)
    code, _, err = cli("train", "--config", LUCCHI, *overrides)
    assert code == 0, err
    assert (folder / "last.ckpt").exists() and not (folder / LOCK_NAME).exists()
