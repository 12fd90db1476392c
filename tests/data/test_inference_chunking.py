"""Chunked prediction: any chunk size gives the same bits, each window runs once, auto chunks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import zarr

from connectomics.data.inference import predict_to_store, predict_volume
from connectomics.data.inference.chunking import auto_chunk_size
from connectomics.data.inference.window_grid import WindowGrid

OPTIONS = dict(window_size=(6, 8, 8), overlap=0.5, activation="sigmoid", batch_size=3)


class Counting(torch.nn.Module):
    """A fixed random conv that counts the windows it sees."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv3d(1, 2, 3, padding=1)
        self.windows = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.windows += x.shape[0]
        return self.conv(x)


@pytest.fixture
def volume() -> np.ndarray:
    return np.random.default_rng(1).random((14, 21, 23), dtype=np.float32)


@pytest.mark.parametrize("chunk", [(4, 5, 6), (7, 21, 23), (14, 8, 9), (3, 3, 3)])
def test_prediction_is_identical_for_any_chunk_and_each_window_runs_once(volume, chunk):
    whole_model = Counting()
    whole = predict_volume(whole_model, volume, **OPTIONS)
    model = Counting()
    chunked = predict_volume(model, volume, chunk_size=chunk, **OPTIONS)
    np.testing.assert_array_equal(chunked, whole)
    grid = WindowGrid.build(volume.shape, OPTIONS["window_size"], (0.5,) * 3, (0,) * 3)
    assert whole_model.windows == len(grid)
    assert model.windows == len(grid)  # no window recomputed at chunk borders


def test_store_with_default_chunking_equals_in_memory(tmp_path, volume):
    whole = predict_volume(Counting(), volume, **OPTIONS)
    report = predict_to_store(Counting(), volume, tmp_path / "p.zarr", None, **OPTIONS)
    assert report.chunk_size == volume.shape  # a small volume fits in one chunk
    np.testing.assert_array_equal(zarr.open_group(str(tmp_path / "p.zarr"))["prediction"][:], whole)


def test_auto_chunk_size_fits_memory_and_keeps_a_window():
    big = (200, 2000, 2000)
    chunk = auto_chunk_size(big, (32, 128, 128), 1, 3, memory_bytes=4 << 30)
    cost = np.prod([c + 2 * w for c, w in zip(chunk, (32, 128, 128))]) * 4 * 5
    assert cost <= (4 << 30) // 4
    assert all(c >= w for c, w in zip(chunk, (32, 128, 128)))
    assert auto_chunk_size((10, 50, 50), (16, 64, 64), 1, 1) == (10, 50, 50)


def test_bad_chunk_size_names_the_key(tmp_path, volume):
    with pytest.raises(ValueError, match=r"inference\.chunk_size=\[4, 4\].*e\.g\."):
        predict_to_store(Counting(), volume, tmp_path / "p.zarr", [4, 4], **OPTIONS)


@pytest.mark.parametrize(("axes", "passes"), [(None, 8), ([1, 2], 4), ([0], 2)])
def test_tta_flip_axes_choose_the_flips_and_their_cost(volume, axes, passes):
    model = Counting()
    options = {**OPTIONS, "window_size": (14, 21, 23), "tta_flip": True, "tta_flip_axes": axes}
    out = predict_volume(model, volume, **options)
    assert model.windows == passes  # one window, run once per flip combination
    flipped_model = Counting()
    # the mean over flips of a flip-equivariant check: flipping the input flips the output
    again = predict_volume(flipped_model, volume[:, ::-1, :].copy(), **options)
    if axes is None or 1 in axes:
        np.testing.assert_allclose(again[:, :, ::-1, :], out, atol=1e-5)


def test_a_small_window_cache_recomputes_but_gives_the_same_bits(volume):
    from connectomics.data.inference import SlidingWindowPredictor, resolve_options
    from connectomics.data.inference.window_grid import chunk_boxes

    whole = predict_volume(Counting(), volume, **OPTIONS)
    model = Counting()
    predictor = SlidingWindowPredictor(model, volume, resolve_options(**OPTIONS))
    chunk = (4, 5, 6)
    predictor.use_chunking(chunk, cache_bytes=2 * 2 * 6 * 8 * 8 * 4)  # two window outputs
    out = np.empty_like(whole)
    for box in chunk_boxes(volume.shape, chunk):
        out[(slice(None), *(slice(a, b) for a, b in box))] = predictor.predict_box(box)
    np.testing.assert_array_equal(out, whole)
    assert model.windows > len(predictor.grid)  # evicted windows were computed again
