"""The registries of every registry-backed config name, and where their built-ins live.

Each names its built-in modules by string: importing this module imports none of them (the
decoders, augmentations, metrics and target transforms live in connectomics-data, a higher
layer), and a registry imports them the first time it is asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from connectomics.config.registry import Registry


@dataclass(frozen=True)
class MetricSpec:
    """An evaluation.metrics entry: what it scores and, for a plugin, how.

    "semantic" metrics score a probability map against ground-truth foreground:
    `compute(prediction, gt, threshold) -> float` on (*spatial) arrays; "instance" metrics a
    segmentation against ground-truth instances: `compute(table, ignore_labels) -> float` on
    their `ContingencyTable` (so they score in memory and blockwise alike). The built-ins
    leave `compute` None: connectomics.data.evaluation computes them.
    """

    kind: Literal["semantic", "instance"]
    compute: Callable[..., float] | None = None


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
METRICS: Registry[MetricSpec] = Registry(
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
