"""Out-of-core prediction into Zarr/HDF5: chunked = whole, resume, multi-process, safety."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
import zarr

from connectomics.data.inference import predict_to_store, predict_volume
from connectomics.data.inference.window_grid import WindowGrid, chunk_boxes

OPTIONS = dict(window_size=(6, 8, 8), overlap=0.5, activation="sigmoid", tta_flip=True)
CHUNK = (5, 8, 9)


def make_model(seed: int = 0) -> torch.nn.Module:
    """A small conv with a random, asymmetric kernel."""
    torch.manual_seed(seed)
    return torch.nn.Conv3d(1, 2, 3, padding=1)


class Counting(torch.nn.Module):
    """Wraps a model, counts windows seen, and can fail after a number of forward calls."""

    def __init__(self, model: torch.nn.Module, fail_after: int | None = None):
        super().__init__()
        self.model = model
        self.fail_after = fail_after
        self.calls = 0
        self.windows = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise RuntimeError("simulated kill")
        self.calls += 1
        self.windows += x.shape[0]
        return self.model(x)


class ReadRecorder:
    """A lazy array that records the boxes read from it."""

    def __init__(self, array: np.ndarray):
        self.array, self.shape, self.dtype, self.reads = array, array.shape, array.dtype, []

    def __getitem__(self, index):
        self.reads.append(tuple(s.stop - s.start for s in index))
        return self.array[index]


@pytest.fixture
def volume() -> np.ndarray:
    return np.random.default_rng(0).random((13, 20, 22), dtype=np.float32)


def read_zarr(path: Path, key: str = "prediction") -> np.ndarray:
    return zarr.open_group(str(path), mode="r")[key][:]


@pytest.mark.parametrize("suffix", [".zarr", ".h5"])
def test_chunked_store_equals_whole_volume(tmp_path, volume, suffix):
    whole = predict_volume(make_model(), volume, **OPTIONS)
    out = tmp_path / f"pred{suffix}"
    report = predict_to_store(make_model(), volume, out, CHUNK, **OPTIONS)
    assert report.computed == list(range(len(chunk_boxes(volume.shape, CHUNK))))
    if suffix == ".zarr":
        stored = zarr.open_group(str(out), mode="r")["prediction"]
        assert stored.chunks == (2, *CHUNK)
        stored = stored[:]
    else:
        with h5py.File(out, "r") as f:
            stored = f["prediction"][:]
    np.testing.assert_allclose(stored, whole, rtol=1e-6, atol=1e-7)


def test_memory_is_bounded_by_chunk_plus_halo(tmp_path, volume):
    recorder = ReadRecorder(volume)
    options = {**OPTIONS, "tta_flip": False}
    predict_to_store(make_model(), recorder, tmp_path / "p.zarr", (4, 4, 4), **options)
    largest = max(int(np.prod(r)) for r in recorder.reads)
    bound = np.prod([c + 2 * (w - 1) for c, w in zip((4, 4, 4), OPTIONS["window_size"])])
    assert largest <= bound < volume.size


def test_killed_prediction_resumes_and_skips_finished_chunks(tmp_path, volume):
    reference = tmp_path / "ref.zarr"
    predict_to_store(make_model(), volume, reference, CHUNK, **OPTIONS)
    out = tmp_path / "pred.zarr"
    # 8 flips per batch of 4 windows: fail in the middle of the work
    with pytest.raises(RuntimeError, match="simulated kill"):
        predict_to_store(Counting(make_model(), fail_after=100), volume, out, CHUNK, **OPTIONS)
    done = zarr.open_group(str(out), mode="r")["prediction_done"][:].astype(bool)
    assert 0 < done.sum() < done.size

    counting = Counting(make_model())
    report = predict_to_store(counting, volume, out, CHUNK, **OPTIONS)
    assert report.skipped == list(np.flatnonzero(done))
    assert report.computed == list(np.flatnonzero(~done))
    grid = WindowGrid.build(volume.shape, OPTIONS["window_size"], (0.5,) * 3, (0,) * 3)
    boxes = chunk_boxes(volume.shape, CHUNK)
    # each window the remaining chunks need is computed once, even across chunk borders
    expected_windows = {w for i in report.computed for w in grid.windows_touching(boxes[i])}
    assert counting.windows == len(expected_windows) * 8  # 8 flip branches per window
    np.testing.assert_array_equal(read_zarr(out), read_zarr(reference))

    again = Counting(make_model())
    assert predict_to_store(again, volume, out, CHUNK, **OPTIONS).computed == []
    assert again.calls == 0


def _predict_rank(image_path: str, out: str, rank: int, world: int) -> None:
    torch.set_num_threads(1)
    image = np.load(image_path, mmap_mode="r")
    predict_to_store(make_model(), image, out, CHUNK, rank=rank, world_size=world, **OPTIONS)


@pytest.mark.slow
def test_two_processes_equal_one(tmp_path, volume):
    np.save(tmp_path / "image.npy", volume)
    single = tmp_path / "single.zarr"
    predict_to_store(make_model(), volume, single, CHUNK, **OPTIONS)
    shared = tmp_path / "shared.zarr"
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_predict_rank, args=(str(tmp_path / "image.npy"), str(shared), r, 2))
        for r in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=600)
    assert [p.exitcode for p in procs] == [0, 0]
    assert zarr.open_group(str(shared), mode="r")["prediction_done"][:].all()
    np.testing.assert_array_equal(read_zarr(shared), read_zarr(single))


def test_rank_takes_every_world_size_th_chunk(tmp_path, volume):
    report = predict_to_store(
        make_model(), volume, tmp_path / "p.zarr", CHUNK, rank=0, world_size=3, **OPTIONS
    )
    assert report.computed == list(range(0, report.n_chunks, 3))


def test_never_overwrites_another_run(tmp_path, volume):
    out = tmp_path / "pred.zarr"
    predict_to_store(make_model(), volume, out, CHUNK, **OPTIONS)
    with pytest.raises(ValueError, match=r"pred\.zarr.*different model or options.*overwrite"):
        predict_to_store(make_model(seed=1), volume, out, CHUNK, **OPTIONS)
    with pytest.raises(ValueError, match="different model or options"):
        predict_to_store(make_model(), volume, out, CHUNK, **{**OPTIONS, "tta_flip": False})
    with pytest.raises(ValueError, match="already exists.*resume=True"):
        predict_to_store(make_model(), volume, out, CHUNK, resume=False, **OPTIONS)
    before = read_zarr(out)
    np.testing.assert_array_equal(read_zarr(out), before)  # untouched by the refusals

    report = predict_to_store(make_model(seed=1), volume, out, CHUNK, overwrite=True, **OPTIONS)
    assert report.skipped == [] and len(report.computed) == report.n_chunks
    assert not np.array_equal(read_zarr(out), before)

    foreign = tmp_path / "foreign.zarr"
    zarr.open_group(str(foreign), mode="w").create_array("prediction", shape=(2,), dtype="f4")
    with pytest.raises(ValueError, match="not written by connectomics inference.*overwrite"):
        predict_to_store(make_model(), volume, foreign, CHUNK, **OPTIONS)
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="results exists and is not a Zarr store"):
        predict_to_store(make_model(), volume, folder, CHUNK, **OPTIONS)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_hdf5_refuses_several_writers_and_uint8_keeps_scale(tmp_path, volume):
    with pytest.raises(ValueError, match=r"HDF5 .* use a \.zarr output"):
        predict_to_store(
            make_model(), volume, tmp_path / "p.h5", CHUNK, rank=0, world_size=2, **OPTIONS
        )
    out = tmp_path / "p.h5:probs"
    predict_to_store(make_model(), volume, out, CHUNK, output_dtype="uint8", **OPTIONS)
    whole = predict_volume(make_model(), volume, **OPTIONS)
    with h5py.File(tmp_path / "p.h5", "r") as f:
        stored = f["probs"][:]
        assert stored.dtype == np.uint8 and f["probs_done"][:].all()
    np.testing.assert_allclose(stored / 255.0, whole, atol=0.5 / 255 + 1e-6)
