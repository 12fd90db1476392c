"""Every Python example of the Lightning API page (docs/lightning-module-api.rst) runs as written.

The examples load "tutorials/lucchi.yaml"; load_config is wrapped to point that tutorial at tiny
generated volumes with a tiny network, and the blocks run in a temporary working directory.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
import yaml

from tests.api_page import code_blocks

REPO = Path(__file__).resolve().parents[2]
LUCCHI = REPO / "tutorials" / "lucchi.yaml"


@pytest.fixture
def spec_blocks() -> list[str]:
    """The Python examples of the API page, in page order."""
    return code_blocks("python")


def test_the_spec_has_the_expected_examples(spec_blocks):
    assert len(spec_blocks) == 12
    assert "trainer.fit(model, datamodule=datamodule)" in spec_blocks[0]
    assert "model.eval().to(device)" in spec_blocks[9] and "input_batch = " in spec_blocks[9]


def _leaves(mapping: dict, prefix: tuple = ()):
    """(key path, value) of every scalar or list a YAML block sets."""
    for key, value in mapping.items():
        if isinstance(value, dict):
            yield from _leaves(value, (*prefix, key))
        else:
            yield (*prefix, key), value


def test_yaml_examples_load_and_the_config_holds_what_they_set():
    from connectomics.config import validate_config

    blocks = code_blocks("yaml")
    assert len(blocks) == 10  # the page's sections: DDP, precision, ..., wandb
    for block in blocks:
        section = yaml.safe_load(block)
        cfg = validate_config(section)  # out_channels is derived from the targets
        for path, value in _leaves(section):
            actual = cfg
            for key in path:
                actual = getattr(actual, key)
            expected = float(value) if isinstance(actual, float) else value
            assert actual == expected, (".".join(path), actual, value)


def test_python_examples_run_verbatim(spec_blocks, tiny_setup, tmp_path, monkeypatch, capsys):
    from pytorch_lightning.utilities.exceptions import MisconfigurationException

    import connectomics.config as config_pkg

    write_tiny_volumes, tiny_overrides = tiny_setup
    data = write_tiny_volumes(tmp_path / "data")
    real_load = config_pkg.load_config

    def load_tiny(path_or_name, overrides=None):
        assert str(path_or_name) == "tutorials/lucchi.yaml"
        return real_load(str(LUCCHI), overrides=tiny_overrides(data, Path("outputs")))

    monkeypatch.setattr(config_pkg, "load_config", load_tiny)
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    (
        quick,
        module_ex,
        custom_model,
        datamodule_ex,
        trainer_ex,
        custom_trainer,
        ddp_line,
        callbacks_ex,
        custom_step,
        single_batch,
        full_inference,
        resume,
    ) = spec_blocks

    exec(quick, ns)
    assert ns["trainer"].current_epoch == 1 and "test/dice" in ns["trainer"].callback_metrics
    assert Path("outputs/last.ckpt").is_file() and Path("outputs/predictions").is_dir()

    exec(module_ex, ns)
    assert "'parameters'" in capsys.readouterr().out
    exec(custom_model, ns)
    assert isinstance(ns["lit_model"].model, ns["MyModel"])

    exec(datamodule_ex, ns)
    out = capsys.readouterr().out
    assert re.search(r"Train samples: [1-9]", out) and re.search(r"Val samples: [1-9]", out)

    exec(trainer_ex, ns)
    out = capsys.readouterr().out
    assert "Max epochs: 1" in out and "Precision: 32-true" in out and "Devices: 1" in out

    if torch.cuda.device_count() >= 2:
        exec(custom_trainer, ns)
    else:  # the block asks for two GPUs: on this machine Lightning refuses, as it should
        with pytest.raises(MisconfigurationException):
            exec(custom_trainer, ns)

    exec(ddp_line, ns)
    exec(callbacks_ex, ns)
    assert ns["trainer"].max_epochs == 100

    exec(custom_step, ns)
    custom = ns["CustomModule"](ns["cfg"])
    from connectomics.lightning import ConnectomicsDataModule, create_trainer

    short = create_trainer(ns["cfg"], logger=False, enable_checkpointing=False, max_steps=2)
    short.fit(custom, datamodule=ConnectomicsDataModule(ns["cfg"]))
    assert short.global_step == 2

    exec(single_batch, ns)  # its own batch, on the GPU where there is one
    assert ns["output"].shape == (1, 1, *ns["cfg"].data.patch_size)

    exec(full_inference, ns)
    assert ns["predictions"][0]["prediction"].shape == (1, 16, 32, 32)

    step_before = torch.load("outputs/last.ckpt", weights_only=True)["global_step"]
    ns["model"] = ns["ConnectomicsModule"](ns["cfg"])
    exec(resume, ns)
    assert ns["trainer"].global_step == step_before  # max_epochs reached: resumed, no new steps


@pytest.mark.gpu
def test_single_batch_prediction_block_on_cuda(spec_blocks, tiny_cfg, tmp_path, monkeypatch):
    from connectomics.lightning import ConnectomicsModule

    monkeypatch.chdir(tmp_path)
    Path("outputs").mkdir()
    module = ConnectomicsModule(tiny_cfg)
    torch.save({"state_dict": module.state_dict()}, "outputs/last.ckpt")
    ns = {"cfg": tiny_cfg, "ConnectomicsModule": ConnectomicsModule}
    exec(spec_blocks[9], ns)
    assert ns["output"].is_cuda and ns["output"].shape == (1, 1, *tiny_cfg.data.patch_size)
