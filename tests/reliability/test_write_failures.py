"""A failed HDF5 write (file size limit, full disk) is one error line, never a crash (rc 139)
at exit, and an overwrite (write_volume, predict's store) replaces the old data only once the
new is complete."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

LIMIT = 1000 * 1024  # bytes a process may write per file in these tests


def _limited(script: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run `script` in a fresh interpreter whose file size limit is LIMIT (as `ulimit -f`)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, resource.RLIM_INFINITY))

    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        preexec_fn=limit,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow  # a fresh process or a long run: kept out of the README suite's 5 minutes
def test_hdf5_write_past_the_file_size_limit_is_one_error_not_a_segfault(tmp_path):
    script = (
        "import numpy as np\n"
        "from connectomics.cli.errors import run_guarded\n"
        "from connectomics.data.io import write_volume\n"
        "a = np.random.default_rng(0).random((64, 256, 256)).astype(np.float32)\n"
        "raise SystemExit(run_guarded(lambda args: write_volume('out.h5', a, key='raw'), None))\n"
    )
    done = _limited(script, tmp_path)
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    err = done.stderr.strip()
    assert err.startswith("error: cannot write HDF5 file 'out.h5': File too large"), err
    assert len(err.splitlines()) == 1, err
    assert not (tmp_path / "out.h5").exists()  # no partial new file is left


def test_hdf5_overwrite_that_fails_keeps_the_old_dataset_and_its_neighbours(tmp_path):
    from connectomics.data.io import read_volume, write_volume

    old = np.arange(1000, dtype=np.float32).reshape(10, 10, 10)
    write_volume(tmp_path / "keep.h5", old, key="raw")
    write_volume(tmp_path / "keep.h5", old + 1, key="other")
    script = (
        "import numpy as np\n"
        "from connectomics.data.io import write_volume\n"
        "a = np.random.default_rng(0).random((64, 256, 256)).astype(np.float32)\n"
        "write_volume('keep.h5', a, key='raw', overwrite=True)\n"
    )
    done = _limited(script, tmp_path)
    assert done.returncode == 1 and "DataError: cannot write HDF5 file 'keep.h5'" in done.stderr
    np.testing.assert_array_equal(read_volume(f"{tmp_path / 'keep.h5'}:raw"), old)
    np.testing.assert_array_equal(read_volume(f"{tmp_path / 'keep.h5'}:other"), old + 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.h5"]  # nothing staged left
    write_volume(tmp_path / "keep.h5", old * 2, key="raw", overwrite=True)  # succeeds
    np.testing.assert_array_equal(read_volume(f"{tmp_path / 'keep.h5'}:raw"), old * 2)
    np.testing.assert_array_equal(read_volume(f"{tmp_path / 'keep.h5'}:other"), old + 1)


class _Constant(torch.nn.Module):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.tensor(value))

    def forward(self, x):
        return torch.zeros_like(x) + self.weight


@pytest.mark.parametrize("suffix", [".zarr", ".h5"])
def test_predict_overwrite_is_staged_and_a_failure_keeps_the_old_store(
    tmp_path, suffix, monkeypatch
):
    from connectomics.data.inference import predict_to_store
    from connectomics.data.inference.prediction_store import PredictionStore
    from connectomics.data.io import read_volume, write_volume

    image = np.random.default_rng(0).random((16, 32, 32)).astype(np.float32)
    output = f"{tmp_path / ('p' + suffix)}:prediction"
    if suffix == ".h5":
        write_volume(tmp_path / "p.h5", np.ones((2, 2, 2), np.uint8), key="notes")
    options = dict(chunk_size=[8, 16, 16], window_size=[8, 16, 16], overlap=0)
    options.update(activation="none", output_dtype="float32", normalize="none")
    predict_to_store(_Constant(1.0), image, output, **options)
    real_write, writes = PredictionStore.write, []

    def write_then_fail(store, box, data):  # the disk fills up after three chunks
        writes.append(box)
        if len(writes) > 3:
            raise OSError(28, "No space left on device")
        real_write(store, box, data)

    monkeypatch.setattr(PredictionStore, "write", write_then_fail)
    with pytest.raises(OSError, match="No space left"):
        predict_to_store(_Constant(5.0), image, output, overwrite=True, **options)
    monkeypatch.setattr(PredictionStore, "write", real_write)
    np.testing.assert_allclose(read_volume(output), 1.0, rtol=1e-6)  # the old one, whole
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []
    predict_to_store(_Constant(5.0), image, output, overwrite=True, **options)
    np.testing.assert_allclose(read_volume(output), 5.0, rtol=1e-6)
    if suffix == ".h5":
        assert read_volume(f"{tmp_path / 'p.h5'}:notes").sum() == 8  # its other datasets kept
