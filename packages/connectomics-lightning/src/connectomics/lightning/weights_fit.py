"""What differs when a checkpoint's weights do not fit a model: keys, shapes, model config."""

from __future__ import annotations

from typing import Any

from connectomics.config import Config

# model options that change the network's weights (the others change training only)
ARCHITECTURE_KEYS = (
    "architecture",
    "spatial_dims",
    "in_channels",
    "out_channels",
    "filters",
    "strides",
    "norm",
    "deep_supervision",
    "kwargs",
)


def state_dict_mismatch(expected: dict[str, Any], given: dict[str, Any]) -> str:
    """'' when `given` has the keys and shapes of `expected`, else what differs: the counts of
    missing, unexpected and wrongly shaped weights, each with its first example."""
    missing = [k for k in expected if k not in given]
    extra = [k for k in given if k not in expected]
    shapes = [
        (k, tuple(given[k].shape), tuple(t.shape))
        for k, t in expected.items()
        if k in given and hasattr(given[k], "shape") and tuple(given[k].shape) != tuple(t.shape)
    ]
    parts = []
    if missing:
        parts.append(f"{len(missing)} weights missing from the checkpoint (e.g. {missing[0]})")
    if extra:
        parts.append(f"{len(extra)} unexpected weights in the checkpoint (e.g. {extra[0]})")
    if shapes:
        key, theirs, ours = shapes[0]
        parts.append(
            f"{len(shapes)} of other shapes (e.g. {key}: {theirs} in the checkpoint, the model "
            f"needs {ours})"
        )
    return "; ".join(parts)


def model_difference(configured: Config, trained: Config | None) -> str:
    """The architecture options in which `configured` differs from the checkpoint's config
    `trained` ("filters [4, 8] configured, [8, 16] in the checkpoint"), '' when none or unknown."""
    if trained is None:
        return ""
    ours, theirs = configured.model.model_dump(), trained.model.model_dump()
    differing = [k for k in ARCHITECTURE_KEYS if ours.get(k) != theirs.get(k)]
    return ", ".join(
        f"model.{k} {ours.get(k)} configured, {theirs.get(k)} in the checkpoint" for k in differing
    )


def describe_mismatch(
    expected: dict[str, Any], given: dict[str, Any], configured: Config, trained: Config | None
) -> str:
    """One clause for an error line: the config difference first (the usual cause), then the
    weights that differ."""
    return "; ".join(
        part
        for part in (model_difference(configured, trained), state_dict_mismatch(expected, given))
        if part
    )
