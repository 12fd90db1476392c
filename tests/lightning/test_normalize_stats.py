"""Dataset statistics are computed once at training start and travel in the checkpoint."""

from __future__ import annotations

import numpy as np
import pytest

from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer


@pytest.mark.parametrize("mode", ["zscore", "percentile"])
def test_fit_stores_dataset_statistics_and_inference_uses_them(tiny_cfg, mode):
    from connectomics.data.datasets.builders import train_sources
    from connectomics.data.datasets.normalize import dataset_statistics
    from connectomics.data.inference import InferenceOptions

    tiny_cfg.data.normalize = mode
    expected = dataset_statistics([s.image for s in train_sources(tiny_cfg)])
    module = ConnectomicsModule(tiny_cfg.copy())
    trainer = create_trainer(tiny_cfg, logger=False)
    trainer.fit(module, datamodule=ConnectomicsDataModule(tiny_cfg))
    assert dict(module.cfg.data.normalize_stats) == pytest.approx(expected)
    restored = ConnectomicsModule.load_from_checkpoint(trainer.checkpoint_callback.last_model_path)
    stats = dict(restored.cfg.data.normalize_stats)
    assert stats == pytest.approx(expected)
    assert InferenceOptions.from_config(restored.cfg).stats() == pytest.approx(expected)
    # the training crops were normalized with these statistics, not the crop's own
    crop = ConnectomicsDataModule(restored.cfg)
    crop.setup("fit")
    assert np.isfinite(stats["std"]) and stats["std"] > 0
    assert crop.train_dataset.normalize_stats == pytest.approx(expected)


def test_a_given_config_takes_the_checkpoints_statistics(tiny_cfg):
    tiny_cfg.data.normalize = "zscore"
    module = ConnectomicsModule(tiny_cfg.copy())
    trainer = create_trainer(tiny_cfg, logger=False)
    trainer.fit(module, datamodule=ConnectomicsDataModule(tiny_cfg))
    fresh = tiny_cfg.copy()
    fresh.data.normalize_stats = None
    restored = ConnectomicsModule.load_from_checkpoint(
        trainer.checkpoint_callback.last_model_path, cfg=fresh
    )
    assert dict(restored.cfg.data.normalize_stats) == pytest.approx(
        dict(module.cfg.data.normalize_stats)
    )
