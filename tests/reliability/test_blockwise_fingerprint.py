"""Blockwise resume is bound to the prediction's content, and a failed run's store (no block
finished) never blocks the next correct run."""

from __future__ import annotations

import numpy as np
import pytest


def _prediction(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((1, 8, 16, 16)).astype(np.float32)


def test_a_prediction_rewritten_in_place_is_not_resumed_onto(tmp_path):
    from connectomics.data.blockwise import decode_blockwise
    from connectomics.data.errors import DataError
    from connectomics.data.io import open_volume, write_volume

    prediction, output = f"{tmp_path / 'p.zarr'}:prediction", tmp_path / "s.zarr"
    write_volume(prediction, _prediction(0))
    decode_blockwise(prediction, output, "binary_cc", 8)
    first = open_volume(f"{output}:segmentation").read()
    decode_blockwise(prediction, output, "binary_cc", 8)  # same content: resumes
    write_volume(prediction, _prediction(1), overwrite=True)  # same path, shape and dtype
    with pytest.raises(DataError, match="the prediction's content changed"):
        decode_blockwise(prediction, output, "binary_cc", 8)
    np.testing.assert_array_equal(open_volume(f"{output}:segmentation").read(), first)
    decode_blockwise(prediction, output, "binary_cc", 8, overwrite=True)
    assert not np.array_equal(open_volume(f"{output}:segmentation").read(), first)


def test_the_fingerprint_sees_a_change_in_a_sampled_box_and_only_content_matters(tmp_path):
    from connectomics.data.io.fingerprint import content_fingerprint

    volume = _prediction(0)
    same = volume.copy()
    assert content_fingerprint(volume) == content_fingerprint(same)
    same[0, -1, -1, -1] += 1  # the far corner is sampled
    assert content_fingerprint(volume) != content_fingerprint(same)


def test_a_failed_runs_store_does_not_block_the_next_run(tmp_path, monkeypatch):
    from connectomics.data.blockwise import connected, decode_blockwise
    from connectomics.data.errors import DataError
    from connectomics.data.io import open_volume, write_volume

    prediction, output = f"{tmp_path / 'p.zarr'}:prediction", tmp_path / "s.zarr"
    write_volume(prediction, _prediction(0))
    real = connected.label_block

    def fail(*args, **kwargs):
        raise DataError("the first block failed")

    monkeypatch.setattr(connected, "label_block", fail)
    with pytest.raises(DataError, match="first block failed"):
        decode_blockwise(prediction, output, "binary_cc", 8, threshold=0.9)
    monkeypatch.setattr(connected, "label_block", real)
    # other settings, no --overwrite: the failed store holds no finished block, so it is taken
    decode_blockwise(prediction, output, "binary_cc", 8, threshold=0.5)
    labels = open_volume(f"{output}:segmentation").read()
    assert labels.max() > 0
    with pytest.raises(DataError, match="kwargs differ"):  # finished blocks are kept
        decode_blockwise(prediction, output, "binary_cc", 8, threshold=0.9)
