"""The typed Config: choices, ranges, unknown keys, cross-field rules and assignments are
refused once, in the project's one-line ConfigError; composition still does the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import connectomics.losses  # noqa: F401  (registers the loss-name check)
import connectomics.models  # noqa: F401  (registers the patch-multiple rule)
from connectomics.config import (
    Config,
    ConfigError,
    create_config,
    list_tutorials,
    load_config,
    to_yaml,
    validate_config,
)


def message(*args, **kwargs) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(*args, **kwargs)
    text = str(info.value)
    assert "\n" not in text
    return text


def test_load_config_returns_the_typed_config_with_plain_values():
    cfg = load_config("snemi", overrides=["training.precision=32"])
    assert type(cfg) is Config
    assert cfg.training.precision == "32"  # a YAML number becomes Lightning's spelling
    assert type(cfg.model.strides) is list and type(cfg.model.strides[0]) is list
    assert type(cfg.data.targets[0].kwargs) is dict
    assert cfg.overlap_per_axis() == [0.5, 0.25, 0.25]  # as the tutorial gives it, per axis


def test_a_bad_choice_names_the_key_the_override_and_the_allowed_values():
    text = message("demo", overrides=["inference.blending=gauss"])
    assert text == (
        "override 'inference.blending=gauss': inference.blending: unknown value 'gauss'; "
        "did you mean gaussian? choose one of gaussian, constant"
    )
    text = message("demo", overrides=["inference.activation=[sigmoid, relu]"])
    assert "inference.activation[1]: unknown value 'relu'" in text
    assert "choose one of sigmoid, softmax, tanh, none" in text


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("data.batch_size=0", "data.batch_size: 0 is out of range; set it to at least 1"),
        ("optimizer.lr=0", "optimizer.lr: 0 is not positive; set it above 0"),
        ("inference.overlap=1.0", "inference.overlap: 1.0 is out of range; set it to a value in [0, 1)"),
        ("inference.overlap=[0.5,0.5,1.5]", "inference.overlap[2]: 1.5 is out of range"),
        ("data.augmentation.flip.prob=2", "data.augmentation.flip.prob: 2 is out of range; set it to a value in [0, 1]"),
        ("system.devices=0", "system.devices: 0 is out of range; set it to at least 1"),
    ],
)  # fmt: skip
def test_a_range_violation_names_the_key_and_a_value_that_works(override, expected):
    assert expected in message("demo", overrides=[override])


def test_an_unknown_nested_key_is_refused_with_did_you_mean(tmp_path: Path):
    path = tmp_path / "run.yaml"
    path.write_text("data:\n  augmentation:\n    flip: {prb: 0.1}\n")
    assert message(path).endswith(
        "run.yaml: unknown key data.augmentation.flip.prb; "
        "did you mean data.augmentation.flip.prob?"
    )
    # the same from a mapping (a checkpoint's config): refused by the schema itself
    with pytest.raises(ConfigError, match=r"unknown key data\.targets\.0\.nmae; did you mean"):
        validate_config({"data": {"targets": [{"nmae": "binary"}]}})


def test_cross_field_rules_fire_on_the_section_and_across_sections():
    # the model section's own rule: one weight per loss
    with pytest.raises(ConfigError, match=r"model\.loss_weights: 1 value\(s\) for 2"):
        validate_config({"model": {"loss_functions": ["DiceLoss", "MSELoss"]}})
    # rules across sections live on the root
    with pytest.raises(ConfigError, match=r"scheduler\.min_lr: 0\.1 exceeds optimizer\.lr=0\.01"):
        validate_config({"optimizer": {"lr": 0.01}, "scheduler": {"min_lr": 0.1}})
    with pytest.raises(ConfigError, match=r"inference\.overlap: \[0\.5, 0\.5\] has 2 values"):
        validate_config({"inference": {"overlap": [0.5, 0.5]}})
    with pytest.raises(ConfigError, match=r"early_stopping\.mode: min, but val/dice improves"):
        validate_config({"early_stopping": {"monitor": "val/dice", "mode": "min"}})
    # omitted, the mode is the direction the monitored metric improves
    derived = validate_config({"early_stopping": {"monitor": "val/dice"}, "checkpoint": {}})
    assert (derived.early_stopping.mode, derived.checkpoint.mode) == ("max", "min")


def test_assignment_is_validated_and_a_refused_value_leaves_the_config_as_it_was():
    cfg = load_config("demo")
    with pytest.raises(ConfigError, match=r"^data\.batch_size: 0 is out of range"):
        cfg.data.batch_size = 0
    with pytest.raises(ConfigError, match=r"inference\.output_format: unknown value 'n5'"):
        cfg.inference.output_format = "n5"
    with pytest.raises(ConfigError, match=r"unknown key training\.max_epoch; did you mean"):
        cfg.training.max_epoch = 3
    with pytest.raises(ConfigError, match=r"model\.loss_weights: 1 value\(s\) for 2"):
        cfg.model.loss_weights = [1.0]  # the section's own rule runs on assignment too
    assert cfg == load_config("demo")
    cfg.data.batch_size = 3
    assert cfg.data.batch_size == 3


@pytest.mark.parametrize("name", list_tutorials())
def test_a_loaded_config_round_trips_through_checkpoint_yaml_unchanged(name):
    cfg = load_config(name)
    text = to_yaml(cfg)
    again = create_config(yaml.safe_load(text), source="the config in x.ckpt")
    assert again == cfg and to_yaml(again) == text


def test_interpolation_and_bases_compose_before_validation(tmp_path: Path):
    (tmp_path / "base.yaml").write_text(
        "data: {patch_size: [16, 64, 64]}\ninference: {window_size: '${data.patch_size}'}\n"
    )
    (tmp_path / "run.yaml").write_text("_base_: base.yaml\ntraining: {max_epochs: 3}\n")
    cfg = load_config(tmp_path / "run.yaml", overrides=["data.patch_size=[8,32,32]"])
    assert cfg.training.max_epochs == 3
    assert cfg.inference.window_size == cfg.data.patch_size == [8, 32, 32]


def test_a_typed_config_changes_through_the_same_composition_and_validation():
    cfg = load_config("demo")
    changed = create_config(cfg, ["decoding.kwargs.seed_threshold=0.7", "training.max_epochs=4"])
    assert changed.decoding.kwargs["seed_threshold"] == 0.7 and changed.training.max_epochs == 4
    assert cfg.training.max_epochs != 4  # the original is untouched
    with pytest.raises(ConfigError, match=r"^config mapping with overrides: .*data\.patch_size"):
        create_config(cfg, ["data.patch_size=[9,64,64]"])
