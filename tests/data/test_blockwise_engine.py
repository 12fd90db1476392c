"""Blockwise engines: a 2-worker dask.distributed cluster, resuming after a kill, progress."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from connectomics.data.blockwise import Engine, decode_blockwise
from connectomics.data.decoding import decode
from connectomics.data.errors import DataError
from connectomics.data.io import ArrayVolume, open_volume, write_volume
from connectomics.data.io.fingerprint import content_fingerprint
from tests.data.blockwise_helpers import same_partition

REPO = Path(__file__).resolve().parents[2]


class DiesAfter(ArrayVolume):
    """An in-memory prediction whose reads fail after `reads` of them (a job killed midway)."""

    def __init__(self, array: np.ndarray, reads: int | None) -> None:
        super().__init__(array)
        self.reads = reads

    def _read(self, region):
        if self.reads is not None:
            self.reads -= 1
            if self.reads < 0:
                raise RuntimeError("job killed")
        return super()._read(region)


def test_a_killed_run_resumes_with_the_unfinished_blocks(tmp_path):
    prediction = np.random.default_rng(5).random((3, 10, 24, 24)).astype(np.float32)
    whole = decode("affinity_cc", prediction, threshold=0.7)
    engine = Engine(scheduler="synchronous")
    output = tmp_path / "seg.zarr"
    # the reads of the run's content fingerprint come first, then those of the blocks
    counter = DiesAfter(prediction, 10**9)
    content_fingerprint(counter)
    sampled = 10**9 - counter.reads
    with pytest.raises(RuntimeError, match="job killed"):
        decode_blockwise(
            DiesAfter(prediction, sampled + 7), output, "affinity_cc", 8, engine, threshold=0.7
        )
    report = decode_blockwise(
        DiesAfter(prediction, None), output, "affinity_cc", 8, engine, threshold=0.7
    )
    assert report.n_blocks == 18
    # seven blocks were finished before the kill: only the other eleven are labelled again
    assert len(report.skipped) == 7 and len(report.computed) == 11
    assert sorted(report.skipped + report.computed) == list(range(18))
    labels = open_volume(f"{output}:segmentation").read()
    assert same_partition(labels, whole)
    # a finished run is not computed again
    again = decode_blockwise(
        DiesAfter(prediction, sampled), output, "affinity_cc", 8, engine, threshold=0.7
    )
    assert again.computed == [] and again.n_objects == whole.max()


@pytest.mark.slow  # a fresh process or a long run: kept out of the README suite's 5 minutes
def test_a_sigkilled_process_resumes(tmp_path):
    prediction = np.random.default_rng(7).random((3, 10, 24, 24)).astype(np.float32)
    write_volume(tmp_path / "p.zarr", prediction)
    output = tmp_path / "seg.zarr"
    code = f"from tests.data.blockwise_helpers import killed_run; killed_run({str(tmp_path / 'p.zarr')!r}, {str(output)!r}, 5)"
    process = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True)
    assert process.returncode == -signal.SIGKILL
    report = decode_blockwise(
        tmp_path / "p.zarr", output, "affinity_cc", 8, Engine(progress=False), threshold=0.7
    )
    assert len(report.skipped) == 5 and len(report.computed) == 13
    labels = open_volume(f"{output}:segmentation").read()
    assert same_partition(labels, decode("affinity_cc", prediction, threshold=0.7))


@pytest.mark.slow
def test_two_worker_processes_of_a_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    prediction = np.random.default_rng(6).random((3, 12, 30, 20)).astype(np.float32)
    write_volume(tmp_path / "p.zarr", prediction)
    whole = decode("affinity_cc", prediction, threshold=0.65)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        engine = Engine(scheduler=cluster.scheduler_address, progress=False)
        report = decode_blockwise(
            tmp_path / "p.zarr",
            tmp_path / "s.zarr",
            "affinity_cc",
            (6, 16, 8),
            engine,
            threshold=0.65,
        )
        # agglomeration: workers write edge tables and read the lookup from the store
        waterz = decode_blockwise(
            tmp_path / "p.zarr", tmp_path / "w.zarr", "affinity_waterz", (6, 16, 8), engine
        )
        with distributed.Client(cluster.scheduler_address) as client:
            workers = client.scheduler_info()["workers"]
    assert len(workers) == 2 and report.n_blocks == 2 * 2 * 3
    assert same_partition(open_volume(f"{tmp_path}/s.zarr:segmentation").read(), whole)
    decode_blockwise(tmp_path / "p.zarr", tmp_path / "t.zarr", "affinity_waterz", (6, 16, 8))
    threads = open_volume(f"{tmp_path}/t.zarr:segmentation").read()
    assert waterz.n_objects > 1
    assert same_partition(open_volume(f"{tmp_path}/w.zarr:segmentation").read(), threads)


def test_unreachable_scheduler_is_a_data_error(tmp_path):
    write_volume(tmp_path / "p.zarr", np.zeros((1, 4, 4, 4), np.float32))
    engine = Engine(scheduler="tcp://127.0.0.1:9", progress=False, timeout=1)
    with pytest.raises(DataError, match="cannot reach the Dask scheduler"):
        decode_blockwise(tmp_path / "p.zarr", tmp_path / "s.zarr", "binary_cc", 2, engine)


def test_progress_bar_on_request(tmp_path, capsys):
    write_volume(tmp_path / "p.zarr", np.ones((1, 4, 8, 8), np.float32))
    decode_blockwise(
        tmp_path / "p.zarr", tmp_path / "s.zarr", "binary_cc", 4, Engine(progress=True)
    )
    assert "100%" in capsys.readouterr().err
    decode_blockwise(tmp_path / "p.zarr", tmp_path / "t.zarr", "binary_cc", 4, Engine())
    assert capsys.readouterr().err == ""
