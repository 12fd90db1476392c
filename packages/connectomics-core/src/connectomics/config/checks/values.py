"""Single-field choices and ranges of the system, data, inference and logging sections."""

from __future__ import annotations

from typing import Any

from omegaconf import OmegaConf

from connectomics.config.checks.common import check_choice, check_range, fail

ACCELERATORS = ("auto", "cpu", "gpu", "cuda", "mps", "tpu")
NORMALIZATIONS = ("scale", "zscore", "percentile", "none")
BLENDINGS = ("gaussian", "constant")
PADDINGS = ("reflect", "constant", "replicate")
ACTIVATIONS = ("sigmoid", "softmax", "tanh", "none")
OUTPUT_DTYPES = ("float32", "float16", "uint8")
OUTPUT_FORMATS = ("zarr", "h5")


def _check_system(system: Any) -> None:
    check_choice("system.accelerator", system.accelerator, ACCELERATORS)
    check_range("system.num_gpus", system.num_gpus, 0)
    check_range("system.devices", system.devices, 1)
    check_range("system.num_threads", system.num_threads, 1)
    check_range("system.num_nodes", system.num_nodes, 1)


def _check_data(data: Any) -> None:
    check_range("data.batch_size", data.batch_size, 1)
    check_range("data.num_workers", data.num_workers, 0)
    check_range("data.steps_per_epoch", data.steps_per_epoch, 1)
    check_range("data.val_iterations", data.val_iterations, 1)
    if data.val_split is not None and not 0 < data.val_split < 1:
        raise fail(
            "data.val_split",
            f"{data.val_split} is not a fraction",
            "use a value in (0, 1), e.g. 0.1, or null",
        )
    check_range("data.min_foreground", data.min_foreground, 0, 1)
    check_range("data.min_instances", data.min_instances, 0)
    check_choice("data.normalize", data.normalize, NORMALIZATIONS)
    if data.pad_mode is not None:
        check_choice("data.pad_mode", data.pad_mode, ("reflect", "replicate", "constant"))
    if data.train_image is not None and data.train_label is None:
        raise fail(
            "data.train_label",
            "missing while data.train_image is set",
            "give the label volume(s) of the training images",
        )


def _check_inference(cfg: Any) -> None:
    inference = cfg.inference
    check_choice("inference.blending", inference.blending, BLENDINGS)
    check_choice("inference.padding_mode", inference.padding_mode, PADDINGS)
    check_choice("inference.output_dtype", inference.output_dtype, OUTPUT_DTYPES)
    check_choice("inference.output_format", inference.output_format, OUTPUT_FORMATS)
    check_range("inference.batch_size", inference.batch_size, 1)
    overlap = (
        OmegaConf.to_container(inference.overlap)
        if OmegaConf.is_config(inference.overlap)
        else inference.overlap
    )
    for value in overlap if isinstance(overlap, list) else [overlap]:
        if not isinstance(value, int | float) or not 0 <= value < 1:
            raise fail(
                "inference.overlap", f"{overlap} is not a fraction in [0, 1)", "use e.g. 0.5"
            )
    activation = inference.activation
    out = cfg.model.out_channels
    if OmegaConf.is_config(activation):
        names = list(activation)
        if len(names) != out:
            raise fail(
                "inference.activation",
                f"{len(names)} activation(s) for model.out_channels={out}",
                f"give {out} names or one",
            )
        for i, name in enumerate(names):
            check_choice(f"inference.activation[{i}]", name, ACTIVATIONS)
    elif activation != "auto":
        check_choice("inference.activation", activation, ("auto", *ACTIVATIONS))
    for c in inference.output_channels or []:
        if not 0 <= c < out:
            raise fail(
                "inference.output_channels",
                f"channel {c} does not exist (model.out_channels={out})",
                f"use indices 0..{out - 1}",
            )


def check_values(cfg: Any) -> None:
    """Choices and ranges of single fields (accelerator, batch sizes, inference options, ...)."""
    _check_system(cfg.system)
    _check_data(cfg.data)
    _check_inference(cfg)
    check_range("logging.log_every_n_steps", cfg.logging.log_every_n_steps, 1)
    if cfg.logging.use_wandb and not cfg.logging.wandb_project:
        raise fail(
            "logging.wandb_project",
            "empty while logging.use_wandb is true",
            "name a wandb project",
        )
    check_range("evaluation.threshold", cfg.evaluation.threshold, 0, 1)
    check_range("decoding.memory_budget", cfg.decoding.memory_budget, 0)
    for size in cfg.decoding.block_size or []:
        check_range("decoding.block_size", size, 1)
