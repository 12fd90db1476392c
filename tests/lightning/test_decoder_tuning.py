"""decoding.tune: the decoder's threshold chosen on validation volumes and used by test/decode."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from connectomics.config import create_config
from connectomics.config.errors import ConfigError
from connectomics.data.decoding import apply_tuned_decoding
from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer
from connectomics.lightning.run_paths import tuned_record_path
from connectomics.lightning.test_stage import with_tuned_decoding
from tests.config_edit import set_key

VALUES = [0.05, 0.5, 0.97]


def _tuned_cfg(tiny_cfg):
    for key, value in {
        "decoding.name": "binary_cc",
        "decoding.kwargs": {},
        "decoding.tune.enabled": True,
        "decoding.tune.candidates": VALUES,
        "evaluation.metrics": ["adapted_rand"],
    }.items():
        set_key(tiny_cfg, key, value)
    return tiny_cfg


def test_fit_records_the_best_threshold_and_test_decodes_with_it(tiny_cfg, capsys):
    cfg = _tuned_cfg(tiny_cfg)
    module = ConnectomicsModule(cfg)
    datamodule = ConnectomicsDataModule(cfg)
    create_trainer(cfg, logger=False).fit(module, datamodule=datamodule)
    record = OmegaConf.load(tuned_record_path(cfg))
    assert record.decoder == "binary_cc" and record.parameter == "threshold"
    tried = {row.value: row.adapted_rand_error for row in record.tried}
    assert list(tried) == VALUES
    assert record.value in VALUES and record.adapted_rand_error == min(tried.values())
    assert "decoder tuning (binary_cc.threshold" in capsys.readouterr().out

    # test and decode use the recorded value; the config itself stays as it was
    assert with_tuned_decoding(cfg).decoding.kwargs["threshold"] == record.value
    assert "threshold" not in cfg.decoding.kwargs
    create_trainer(cfg, logger=False, enable_checkpointing=False).test(module, datamodule)
    assert f"decoding.kwargs.threshold={record.value:g}" in capsys.readouterr().out

    # an explicit value wins, and a record of another decoder is not applied
    explicit = create_config(cfg, ["decoding.kwargs.threshold=0.3"])
    assert (
        apply_tuned_decoding(explicit, tuned_record_path(explicit)) is None
        and explicit.decoding.kwargs["threshold"] == 0.3
    )
    other = create_config(cfg, ["decoding.name=affinity_cc"])
    assert apply_tuned_decoding(other, tuned_record_path(other)) is None


def test_a_parameter_the_decoder_lacks_is_refused_before_training(tiny_cfg):
    cfg = _tuned_cfg(tiny_cfg)
    with pytest.raises(ConfigError, match="decoding.tune.parameter: 'bias' is not a parameter"):
        create_config(cfg, ["decoding.tune.parameter=bias"])  # refused at load, not after fit
