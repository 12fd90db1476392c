"""Run paths: every stage finds a run's outputs in the same places."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectomics.lightning.run_paths import (
    checkpoint_dir,
    output_dir,
    scores_path,
    volume_file,
    volume_path,
)
from connectomics.lightning.trainer import build_callbacks
from connectomics.lightning.writers import VolumePredictionWriter
from tests.config_edit import set_key


def test_outputs_default_under_the_save_dir_and_follow_the_overrides(tiny_cfg, tmp_path):
    save = Path(tiny_cfg.logging.save_dir)
    set_key(tiny_cfg, "inference.output_path", None)
    set_key(tiny_cfg, "checkpoint.dirpath", None)
    set_key(tiny_cfg, "inference.output_format", "h5")
    assert checkpoint_dir(tiny_cfg) == save / "checkpoints"
    assert output_dir(tiny_cfg) == save / "predictions"
    assert volume_path(tiny_cfg, "v", "segmentation") == save / "predictions/v_segmentation.h5"
    assert scores_path(tiny_cfg, "v") == save / "predictions/v_scores.json"
    set_key(tiny_cfg, "inference.output_path", str(tmp_path / "out"))
    set_key(tiny_cfg, "checkpoint.dirpath", str(tmp_path / "ck"))
    assert volume_path(tiny_cfg, "v", "prediction") == tmp_path / "out/v_prediction.h5"
    assert checkpoint_dir(tiny_cfg) == tmp_path / "ck"
    writer = next(c for c in build_callbacks(tiny_cfg) if isinstance(c, VolumePredictionWriter))
    assert writer.output_dir == output_dir(tiny_cfg)
    with pytest.raises(ValueError, match="kind"):
        volume_file(tmp_path, "v", "scores", "h5")
