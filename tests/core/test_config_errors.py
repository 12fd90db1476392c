"""Every user mistake ends in one ConfigError that names the file, the dotted key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

import connectomics.losses  # noqa: F401  (registers the loss-name check)
import connectomics.models  # noqa: F401  (registers the patch-multiple rule)
from connectomics.config import ConfigError, load_config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def error_of(*args, **kwargs) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message  # the CLI prints it on one line
    return message


def test_config_error_is_a_value_error():
    assert issubclass(ConfigError, ValueError)


@pytest.mark.parametrize(
    ("yaml_text", "bad", "suggestion"),
    [
        ("training:\n  max_epoch: 3\n", "training.max_epoch", "training.max_epochs"),
        ("trainig:\n  max_epochs: 3\n", "trainig", "training"),
        (
            "data:\n  augmentation:\n    elastc: {enabled: true}\n",
            "data.augmentation.elastc",
            "data.augmentation.elastic",
        ),
        ("data:\n  targets:\n    - nmae: binary\n", "data.targets.0.nmae", "data.targets.0.name"),
    ],
)
def test_unknown_key_in_file_suggests_the_closest(tmp_path, yaml_text, bad, suggestion):
    message = error_of(write(tmp_path / "exp.yaml", yaml_text))
    assert "exp.yaml" in message
    assert f"unknown key {bad};" in message
    assert f"did you mean {suggestion}?" in message


def test_unknown_key_in_a_base_names_the_base_file(tmp_path):
    write(tmp_path / "base.yaml", "optimizer: {nmae: SGD}\n")
    message = error_of(write(tmp_path / "child.yaml", "_base_: base.yaml\n"))
    assert message.startswith("base.yaml") or "/base.yaml" in message
    assert "did you mean optimizer.name?" in message


@pytest.mark.parametrize(
    ("override", "suggestion"),
    [
        ("training.max_epoch=5", "training.max_epochs"),
        ("early_stoping.patience=3", "early_stopping.patience"),
        ("data.augmentation.flip.prb=0.1", "data.augmentation.flip.prob"),
        ("data.targets.0.nmae=binary", "data.targets.0.name"),
    ],
)
def test_unknown_key_in_override_suggests_the_closest(override, suggestion):
    message = error_of("demo", overrides=[override])
    assert f"override {override!r}" in message
    assert f"did you mean {suggestion}?" in message


def test_unknown_key_without_close_match_lists_the_valid_keys():
    message = error_of("demo", overrides=["scheduler.zzzzzzzz=1"])
    assert "valid keys of scheduler:" in message and "warmup_epochs" in message


def test_malformed_override():
    assert "is not key=value" in error_of("demo", overrides=["training.max_epochs"])


def test_override_index_beyond_the_list():
    message = error_of("demo", overrides=["data.targets.2.name=binary"])
    assert "data.targets has 1 item(s)" in message and "index 2" in message


@pytest.mark.parametrize(
    ("yaml_text", "key", "expected", "given"),
    [
        ("training:\n  max_epochs: ten\n", "training.max_epochs", "an integer", "'ten' (str)"),
        ("model:\n  loss_weights: 5\n", "model.loss_weights", "a list of numbers", "5 (int)"),
        ("data:\n  patch_size: [a, 64, 64]\n", "data.patch_size.0", "an integer", "'a' (str)"),
        ("training:\n  max_epochs: null\n", "training.max_epochs", "an integer", "null"),
        ("logging:\n  use_wandb: maybe\n", "logging.use_wandb", "true or false", "'maybe' (str)"),
    ],
)
def test_wrong_type_states_expected_type_and_value(tmp_path, yaml_text, key, expected, given):
    message = error_of(write(tmp_path / "t.yaml", yaml_text))
    assert f"t.yaml: {key} expects {expected}, got {given}" in message


def test_wrong_type_in_override():
    message = error_of("demo", overrides=["optimizer.lr=fast"])
    assert "override 'optimizer.lr=fast'" in message and "optimizer.lr expects a number" in message


def test_section_given_as_scalar(tmp_path):
    message = error_of(write(tmp_path / "s.yaml", "training: 5\n"))
    assert "training must be a mapping of keys" in message


def test_missing_file_states_path_and_what_it_was_resolved_against(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    message = error_of("configs/nope.yaml")
    assert "config file not found: configs/nope.yaml" in message
    assert f"resolved against {tmp_path}" in message
    assert "lucchi" in message  # names the tutorials one could mean


def test_missing_base(tmp_path):
    message = error_of(write(tmp_path / "sub" / "c.yaml", "_base_: [gone.yaml]\n"))
    assert "_base_ 'gone.yaml' not found" in message
    assert f"resolved against {tmp_path / 'sub'}" in message


def test_base_cycle_is_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "a.yaml", "_base_: b.yaml\n")
    write(tmp_path / "b.yaml", "_base_: c.yaml\n")
    write(tmp_path / "c.yaml", "_base_: a.yaml\n")
    message = error_of("a.yaml")
    assert "_base_ cycle a.yaml -> b.yaml -> c.yaml -> a.yaml" in message


def test_bad_yaml_and_duplicate_keys_name_the_line(tmp_path):
    bad = error_of(write(tmp_path / "y.yaml", "training:\n  max_epochs: [1\n"))
    assert "y.yaml: invalid YAML at line 3" in bad and "started at line 2" in bad
    duplicate = error_of(
        write(tmp_path / "d.yaml", "training:\n  max_epochs: 1\n  max_epochs: 2\n")
    )
    assert "duplicate key" in duplicate and "line 3" in duplicate


def test_unresolvable_interpolation_names_the_key(tmp_path):
    message = error_of(write(tmp_path / "i.yaml", "inference:\n  window_size: ${data.patch_sz}\n"))
    assert "inference.window_size" in message and "data.patch_sz" in message


def test_validation_errors_name_the_file_and_key():
    message = error_of("lucchi", overrides=["model.loss_weights=[1.0]"])
    assert message.startswith("packaged tutorial lucchi.yaml with overrides: model.loss_weights:")
    assert (
        "1 value(s) for 2 loss function(s)" in message
        and "give 2 (one per loss function)" in message
    )


@pytest.mark.parametrize(
    ("overrides", "fragments"),
    [
        (
            ["data.patch_size=[30,128,128]"],
            ["data.patch_size", "not a multiple of [8, 8, 8]", "[32, 128, 128]"],
        ),
        (["training.precision=17"], ["training.precision", "'17' is not a precision"]),
        (["scheduler.name=Cosine"], ["scheduler.name", "did you mean CosineAnnealingLR?"]),
        (["optimizer.name=Adamw"], ["optimizer.name", "did you mean AdamW?"]),
        (["checkpoint.monitor=val/los"], ["checkpoint.monitor", "did you mean val/loss?"]),
        (
            ["early_stopping.monitor=val/dic", "early_stopping.mode=max"],
            ["early_stopping.monitor", "did you mean val/dice?"],
        ),
        (
            ["scheduler.monitor=loss"],
            ["scheduler.monitor", "'loss' is not a metric the module logs"],
        ),
        (
            ["model.out_channels=2"],
            [
                "model.out_channels",
                "data.targets produce 1 channel(s)",
                "set model.out_channels: 1",
            ],
        ),
        (["model.loss_kwargs=[{}]"], ["model.loss_kwargs", "1 value(s) for 2 loss function(s)"]),
        (
            ["model.loss_channels=[[0],[1]]"],
            ["model.loss_channels[1]", "channel 1 is not an output channel"],
        ),
    ],
)
def test_each_validation_error_names_key_and_fix(overrides, fragments):
    message = error_of("lucchi", overrides=overrides)
    for fragment in fragments:
        assert fragment in message


def test_renamed_iterations_per_epoch_names_steps_per_epoch(tmp_path):
    from connectomics.config import load_config
    from connectomics.config.errors import ConfigError

    with pytest.raises(ConfigError, match=r"data.iterations_per_epoch was renamed to data.steps_"):
        load_config("lucchi", overrides=["data.iterations_per_epoch=10"])
    path = tmp_path / "old.yaml"
    path.write_text("_base_: lucchi\ndata:\n  iterations_per_epoch: 10\n")
    with pytest.raises(ConfigError, match=r"renamed to data.steps_per_epoch; it counts optimizer"):
        load_config(str(path))
