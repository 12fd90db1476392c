"""`connectomics test`'s scoring goes blockwise with decoding.block_size, with the same scores."""

from __future__ import annotations

import numpy as np
import pytest

from connectomics.config import create_config, load_config
from connectomics.data.io import open_volume
from connectomics.lightning.run_paths import volume_path
from connectomics.lightning.test_stage import score_and_write
from tests.config_edit import set_key
from tests.data.blockwise_helpers import same_partition


def test_blockwise_decoding_and_scores_equal_in_memory(tmp_path):
    rng = np.random.default_rng(0)
    prediction = rng.random((1, 12, 30, 30)).astype(np.float32)
    label = rng.integers(0, 6, (12, 30, 30)).astype(np.uint32)
    raw = load_config("demo", [f"logging.save_dir={tmp_path}"]).model_dump()
    raw["decoding"].update(name="binary_cc", kwargs={"threshold": 0.6})
    raw["evaluation"]["metrics"] = ["adapted_rand", "voi", "cremi"]
    raw["inference"]["output_format"] = "zarr"
    cfg = create_config(raw)
    in_memory = score_and_write(cfg, "whole", prediction, label)
    set_key(cfg, "decoding.block_size", [5, 8, 13])
    blockwise = score_and_write(cfg, "blocks", prediction, label)
    assert in_memory["adapted_rand"] > 0.5
    assert blockwise == pytest.approx(in_memory, abs=1e-9, rel=0)
    whole = open_volume(f"{volume_path(cfg, 'whole', 'segmentation')}:segmentation").read()
    blocks = open_volume(f"{volume_path(cfg, 'blocks', 'segmentation')}:segmentation").read()
    assert same_partition(blocks, whole)
    assert (tmp_path / "predictions" / "blocks_segmentation.zarr" / "fragments").exists()


def test_blockwise_test_stage_scores_run_lengths_in_the_voxel_size(tmp_path):
    """erl through the test stage, blockwise and in memory, in data.voxel_size units."""
    label = np.zeros((9, 20, 40), np.uint32)
    label[3:6, 2:5, 5:35], label[3:6, 9:12, 5:25] = 1, 2  # two rods along x
    prediction = (label > 0).astype(np.float32)[None]
    prediction[..., 20] = 0  # a gap cuts rod 1 (and rod 2) at x = 20
    raw = load_config("demo", [f"logging.save_dir={tmp_path}"]).model_dump()
    raw["decoding"].update(name="binary_cc", kwargs={"threshold": 0.5})
    raw["evaluation"]["metrics"] = ["adapted_rand", "erl"]
    raw["inference"]["output_format"] = "zarr"
    raw["data"]["voxel_size"] = [20.0, 20.0, 20.0]
    cfg = create_config(raw)
    in_memory = score_and_write(cfg, "whole", prediction, label)
    set_key(cfg, "decoding.block_size", [9, 10, 16])
    blockwise = score_and_write(cfg, "blocks", prediction, label)
    assert 0.3 < in_memory["erl_normalized"] < 0.7  # both rods cut in two
    assert in_memory["erl_max"] == pytest.approx(20 * (29**2 + 19**2) / 48, rel=0.15)
    for key in ("erl", "erl_max", "adapted_rand"):
        assert blockwise[key] == pytest.approx(in_memory[key], rel=0.05), key
