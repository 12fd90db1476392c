"""The registries of every registry-backed config name, and where their built-ins live.

Each names its built-in modules by string: importing this module imports none of them (the
decoders, augmentations, metrics and target transforms live in connectomics-data, a higher
layer), and a registry imports them the first time it is asked.
"""

from __future__ import annotations

from typing import Any

from connectomics.config.registry import Registry

MODELS: Registry[Any] = Registry(
    "model", "model.architecture", ("connectomics.models",), "connectomics.models"
)
LOSSES: Registry[Any] = Registry(
    "loss", "model.loss_functions", ("connectomics.losses",), "connectomics.losses"
)
# What config validation knows of a target (channels, activations): TargetSpec entries.
TARGETS: Registry[Any] = Registry(
    "target", "data.targets.name", ("connectomics.config.target_specs",), "connectomics.targets"
)
# The label-to-target transform of each target (connectomics-data); same plugin group.
TARGET_TRANSFORMS: Registry[Any] = Registry(
    "target", "data.targets.name", ("connectomics.data.targets",), "connectomics.targets"
)
AUGMENTATIONS: Registry[Any] = Registry(
    "augmentation",
    "data.augmentation",
    ("connectomics.data.augment",),
    "connectomics.augmentations",
)
DECODERS: Registry[Any] = Registry(
    "decoder", "decoding.name", ("connectomics.data.decoding",), "connectomics.decoders"
)
METRICS: Registry[Any] = Registry(
    "metric", "evaluation.metrics", ("connectomics.data.evaluation",), "connectomics.metrics"
)

# Titles as `connectomics info` lists them.
ALL: dict[str, Registry[Any]] = {
    "models": MODELS,
    "losses": LOSSES,
    "targets": TARGETS,
    "augmentations": AUGMENTATIONS,
    "decoders": DECODERS,
    "metrics": METRICS,
}
