"""validate_config on typed configs: geometry, losses, targets, names, monitors and ranges."""

from __future__ import annotations

from typing import Any

import pytest

import connectomics.losses  # noqa: F401  (registers the loss-name check)
import connectomics.models  # noqa: F401  (registers the patch-multiple rule)
from connectomics.config import ConfigError, validate_config
from connectomics.config.metrics_logged import is_logged_metric
from connectomics.config.schema import Config, geometry


def typed(**sections: Any) -> dict[str, Any]:
    """The sections as a config mapping; validate_config makes the typed Config of it."""
    return sections


def invalid(cfg, *fragments: str) -> None:
    with pytest.raises(ConfigError) as info:
        validate_config(cfg)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_schema_defaults_are_valid_and_cpu_sized():
    cfg = validate_config(typed())
    assert isinstance(cfg, Config) and validate_config(cfg) == cfg
    assert cfg.system.num_gpus == 0 and cfg.training.precision == "32"
    assert cfg.data.num_workers == 0
    assert cfg.data.patch_size[0] * cfg.data.patch_size[1] * cfg.data.patch_size[2] <= 64**3


def test_a_2d_config_is_consistent():
    cfg = typed(
        model={"spatial_dims": 2, "filters": [8, 16, 32]},
        data={"patch_size": [64, 64]},
        inference={"window_size": [128, 128], "chunk_size": [256, 256], "overlap": [0.5, 0.25]},
    )
    validate_config(cfg)


@pytest.mark.parametrize(
    ("sections", "fragments"),
    [
        ({"data": {"patch_size": [64, 64]}}, ["data.patch_size", "does not have 3 sizes"]),
        ({"model": {"spatial_dims": 4}}, ["model.spatial_dims", "set it to 2 or 3"]),
        (
            {"model": {"strides": [[1, 2, 2], [2, 2]]}},
            ["model.strides", "2 stride(s) for 4 levels"],
        ),
        (
            {"model": {"strides": [[1, 2, 2], [1, 2], [2, 2, 2]]}},
            ["model.strides[1]", "does not have 3 sizes"],
        ),
        (
            {"inference": {"window_size": [32, 128]}},
            ["inference.window_size", "does not have 3 sizes"],
        ),
        (
            {"inference": {"window_size": [36, 128, 128]}},
            ["inference.window_size", "not a multiple of [8, 8, 8]", "[40, 128, 128]"],
        ),
        ({"inference": {"chunk_size": [64, 64]}}, ["inference.chunk_size"]),
        ({"inference": {"overlap": [0.5, 0.5]}}, ["inference.overlap", "give one value or 3"]),
        (
            {
                "model": {"out_channels": 3},
                "data": {
                    "targets": [
                        {"name": "affinity", "kwargs": {"offsets": [[1, 0], [0, 1], [0, 0, 1]]}}
                    ]
                },
            },
            ["data.targets[0].kwargs.offsets", "offset [1, 0] does not have 3 values"],
        ),
    ],
)
def test_geometry_mismatches(sections, fragments):
    invalid(typed(**sections), *fragments)


def test_anisotropic_strides_set_the_patch_multiple():
    strides = [[1, 2, 2], [1, 2, 2], [2, 2, 2]]
    validate_config(typed(model={"strides": strides}, data={"patch_size": [18, 160, 160]}))
    invalid(
        typed(model={"strides": strides}, data={"patch_size": [17, 160, 160]}),
        "not a multiple of [2, 8, 8]",
        "use e.g. [18, 160, 160]",
    )


def test_fallback_patch_multiple_without_the_model_registry(monkeypatch):
    cfg = validate_config(typed(model={"filters": [8, 16, 32]}, data={"patch_size": [12, 64, 64]}))
    assert geometry.fallback_patch_multiple(cfg) == [4, 4, 4]
    cfg.model.strides = [[1, 2, 2], [2, 2, 2]]
    assert geometry.fallback_patch_multiple(cfg) == [2, 4, 4]
    monkeypatch.setattr(geometry, "registered_patch_multiple", lambda: None)
    validate_config(cfg)  # 12 is a multiple of 2
    cfg.data.patch_size = [12, 62, 64]
    invalid(cfg, "not a multiple of [2, 4, 4]")


def test_fallback_agrees_with_the_model_registry():
    import connectomics.models as models

    for strides in (None, [[1, 2, 2], [1, 2, 2], [2, 2, 2]]):
        cfg = validate_config(typed(model={"architecture": "unet_res_em", "strides": strides}))
        assert list(models.patch_multiple(cfg)) == geometry.fallback_patch_multiple(cfg)


@pytest.mark.parametrize(
    ("model", "fragments"),
    [
        ({"loss_functions": [], "loss_weights": []}, ["model.loss_functions", "at least one loss"]),
        (
            {"loss_functions": ["DiceLoss", "BCEWithLogitsLoss"], "loss_weights": [1.0]},
            ["model.loss_weights", "1 value(s) for 2"],
        ),
        ({"loss_weights": [-1.0]}, ["model.loss_weights", "negative"]),
        ({"loss_kwargs": [{}, {}]}, ["model.loss_kwargs", "2 value(s) for 1"]),
        ({"loss_channels": [[0], [0]]}, ["model.loss_channels", "2 value(s) for 1"]),
        (
            {"loss_channels": [[1]]},
            ["model.loss_channels[0]", "channel 1 is not an output channel"],
        ),
        ({"loss_channels": [0]}, []),
        ({"loss_channels": [None]}, []),
    ],
)
def test_loss_plan_counts_and_channels(model, fragments):
    cfg = typed(model=model)
    if fragments:
        invalid(cfg, *fragments)
    else:
        validate_config(cfg)


def test_unknown_loss_name_when_the_registry_exists():
    invalid(
        typed(model={"loss_functions": ["DiceLos"]}),
        "model.loss_functions[0]",
        "did you mean DiceLoss?",
    )


def test_out_channels_follow_the_targets():
    targets = [
        {"name": "binary_contour"},
        {"name": "affinity", "kwargs": {"offsets": [[1, 0, 0], [0, 4, 0]]}},
    ]
    validate_config(typed(model={"out_channels": 4}, data={"targets": targets}))
    invalid(
        typed(model={"out_channels": 5}, data={"targets": targets}),
        "model.out_channels",
        "produce 4 channel(s) (binary_contour: 2, affinity: 2)",
        "set model.out_channels: 4",
    )
    invalid(
        typed(data={"targets": [{"name": "binery"}]}),
        "data.targets[0].name",
        "did you mean binary?",
    )


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("32", "32"),
        ("16-mixed", "16-mixed"),
        ("BF16-mixed", "bf16-mixed"),
        ("bf16", "bf16"),
        ("64-true", "64-true"),
        ("32.0", "32"),
    ],
)
def test_precision_values_lightning_accepts(given, normal):
    cfg = validate_config(typed(training={"precision": given}))
    assert cfg.training.precision == normal


@pytest.mark.parametrize("given", ["8", "fp16", "half", "mixed"])
def test_precision_values_refused(given):
    invalid(
        typed(training={"precision": given}),
        "training.precision",
        "is not a precision Lightning accepts",
    )


@pytest.mark.parametrize(
    ("sections", "fragments"),
    [
        ({"optimizer": {"name": "Adamm"}}, ["optimizer.name", "did you mean Adam"]),
        ({"optimizer": {"lr": 0.0}}, ["optimizer.lr", "not positive"]),
        ({"scheduler": {"name": "PolyLr"}}, ["scheduler.name", "did you mean PolyLR?"]),
        ({"scheduler": {"min_lr": 0.1}}, ["scheduler.min_lr", "exceeds optimizer.lr"]),
        ({"training": {"gradient_clip_algorithm": "max"}}, ["training.gradient_clip_algorithm"]),
        (
            {"training": {"accumulate_grad_batches": 0}},
            ["training.accumulate_grad_batches", "at least 1"],
        ),
        (
            {"checkpoint": {"monitor": "val/accuracy"}},
            ["checkpoint.monitor", "not a metric the module logs"],
        ),
        (
            {"checkpoint": {"monitor": "val/dice", "mode": "min"}},
            ["checkpoint.mode", "set it to max"],
        ),
        ({"data": {"split_axis": 7}}, ["data.split_axis", "did you mean one of 0 (z)"]),
        ({"decoding": {"name": "binary_ccc"}}, ["decoding.name", "did you mean binary_cc?"]),
        (
            {"decoding": {"kwargs": {"treshold": 0.3}}},
            ["decoding.kwargs.treshold", "did you mean threshold?"],
        ),
        (
            {"decoding": {"kwargs": {"threshold": "abc"}}},
            ["decoding.kwargs.threshold", "valid number"],
        ),
        (
            {"decoding": {"kwargs": {"threshold": 1.5}}},
            ["decoding.kwargs.threshold", "less than or equal to 1"],
        ),
        ({"evaluation": {"metrics": ["dise"]}}, ["evaluation.metrics[0]", "did you mean dice?"]),
        (
            {"decoding": {"name": "none"}, "evaluation": {"metrics": ["voi"]}},
            ["evaluation.metrics[0]", "scores instances"],
        ),
        (
            {"decoding": {"tune": {"enabled": True, "parameter": "bias"}}},
            ["decoding.tune.parameter", "'bias'"],
        ),
        (
            {"checkpoint": {"filename": "{epoch}-{val/acc:.2f}"}},
            ["checkpoint.filename", "'val/acc'"],
        ),
        ({"checkpoint": {"filename": "{epoch"}}, ["checkpoint.filename", "not a valid template"]),
        (
            {"early_stopping": {"monitor": "val_loss"}},
            ["early_stopping.monitor", "did you mean val/loss?"],
        ),
        ({"scheduler": {"monitor": "val/iou2"}}, ["scheduler.monitor"]),
        ({"system": {"accelerator": "gpus"}}, ["system.accelerator", "did you mean gpu?"]),
        ({"data": {"val_split": 1.5}}, ["data.val_split", "(0, 1)"]),
        ({"data": {"normalize": "minmax"}}, ["data.normalize"]),
        ({"data": {"train_image": "x.h5"}}, ["data.train_label", "missing"]),
        (
            {"inference": {"activation": ["sigmoid", "tanh"]}},
            ["inference.activation", "2 activation(s) for model.out_channels=1"],
        ),
        ({"inference": {"output_format": "n5"}}, ["inference.output_format"]),
        ({"inference": {"overlap": 1.0}}, ["inference.overlap", "[0, 1)"]),
    ],
)
def test_names_monitors_and_ranges(sections, fragments):
    invalid(typed(**sections), *fragments)


def test_disabled_early_stopping_is_not_checked():
    validate_config(typed(early_stopping={"enabled": False, "monitor": "anything"}))


def test_monitoring_loss_parts_and_maximising_dice_is_valid():
    validate_config(
        typed(
            checkpoint={"monitor": "val/dice", "mode": "max"},
            early_stopping={"monitor": "val/loss_0_DiceLoss"},
        )
    )


def test_logged_metric_names():
    assert is_logged_metric("val/loss") and is_logged_metric("train/loss_1_BCEWithLogitsLoss")
    assert not is_logged_metric("val/accuracy") and not is_logged_metric("loss")


def test_a_layer_registers_its_own_config_check(monkeypatch):
    from connectomics.config.checks import registry_checks

    monkeypatch.setattr(registry_checks, "_CHECKS", list(registry_checks._CHECKS))

    def no_wide_models(cfg) -> None:
        if max(cfg.model.filters) > 64:
            raise ConfigError("model.filters: too wide for this lab; use at most 64")

    validate_config(typed(model={"filters": [8, 128]}))
    assert registry_checks.register_config_check(no_wide_models) is no_wide_models
    registry_checks.register_config_check(no_wide_models)  # registering twice runs it once
    assert registry_checks._CHECKS.count(no_wide_models) == 1
    invalid(typed(model={"filters": [8, 128]}), "too wide", "at most 64")
    validate_config(typed(model={"filters": [8, 64]}))


def test_the_model_and_loss_layers_register_their_checks():
    from connectomics.config.checks import registry_checks
    from connectomics.models import patch_multiple

    assert registry_checks.registered_patch_multiple() is patch_multiple
    invalid(typed(model={"architecture": "unet_res_m"}), "unknown model", "unet_res_em")
