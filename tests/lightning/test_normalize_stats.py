"""Dataset statistics are computed once at training start and travel in the checkpoint."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from connectomics.config.schema.data import NormalizationStats
from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer
from connectomics.lightning.module import STATS_KEY


def _fit(cfg) -> tuple[ConnectomicsModule, ConnectomicsDataModule, str]:
    module = ConnectomicsModule(cfg)
    data = ConnectomicsDataModule(cfg)
    trainer = create_trainer(cfg, logger=False)
    trainer.fit(module, datamodule=data)
    return module, data, trainer.checkpoint_callback.last_model_path


@pytest.mark.parametrize("mode", ["zscore", "percentile"])
def test_fit_hands_the_statistics_to_the_module_and_checkpoint_untouched_configs(tiny_cfg, mode):
    from connectomics.data.datasets.builders import train_sources
    from connectomics.data.datasets.normalize import dataset_statistics

    tiny_cfg.data.normalize = mode
    expected = dataset_statistics([s.image for s in train_sources(tiny_cfg)])
    module, data, path = _fit(tiny_cfg)
    assert isinstance(data.normalize_stats, NormalizationStats)
    assert data.normalize_stats == expected and module.normalize_stats == expected
    # handed over as a value: neither config was written into
    assert data.cfg.data.normalize_stats is None and module.cfg.data.normalize_stats is None
    assert data.train_dataset.normalize_stats == pytest.approx(dict(expected))
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    assert checkpoint[STATS_KEY] == expected.model_dump()
    restored = ConnectomicsModule.load_from_checkpoint(path)
    assert restored.normalize_stats == expected
    assert restored.inference_options().stats() == pytest.approx(dict(expected))


def test_predicting_from_the_checkpoint_normalizes_with_its_statistics(tiny_cfg):
    tiny_cfg.data.normalize = "zscore"
    _, _, path = _fit(tiny_cfg)
    fresh = tiny_cfg.copy()  # a given config without statistics takes the checkpoint's
    restored = ConnectomicsModule.load_from_checkpoint(path, cfg=fresh)
    stats = restored.normalize_stats
    assert stats is not None and stats.std > 0
    # the network sees (x - mean) / std of the training set, not the input's own statistics
    restored.model = torch.nn.Identity()
    restored.cfg.inference.activation = "none"
    image = np.random.default_rng(0).integers(0, 255, (16, 32, 32)).astype(np.float32) + 40.0
    prediction = restored.predict_image(image)
    np.testing.assert_allclose(prediction[0], (image - stats.mean) / stats.std, atol=1e-4)
    own = (image - image.mean()) / image.std()
    assert not np.allclose(prediction[0], own, atol=1e-2)
