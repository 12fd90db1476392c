"""A run leaves its resolved config.yaml and real hyper-parameters beside it."""

from __future__ import annotations

from pathlib import Path

import yaml

from connectomics.config import load_config
from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer


def test_config_yaml_and_hparams_are_written(tiny_cfg):
    tiny_cfg.data.normalize = "zscore"
    trainer = create_trainer(tiny_cfg)
    trainer.fit(ConnectomicsModule(tiny_cfg), datamodule=ConnectomicsDataModule(tiny_cfg))
    saved = Path(tiny_cfg.logging.save_dir) / "config.yaml"
    again = load_config(str(saved))
    assert again.data.patch_size == tiny_cfg.data.patch_size
    assert again.data.normalize_stats.std > 0  # the statistics training computed
    hparams = yaml.safe_load((Path(trainer.log_dir) / "hparams.yaml").read_text())
    assert hparams["data.batch_size"] == tiny_cfg.data.batch_size
    assert hparams["model.filters"] == "[4, 8]"
    assert hparams["data.normalize_stats.mean"] == again.data.normalize_stats.mean
    assert (Path(trainer.log_dir) / "config.yaml").read_text() == saved.read_text()
