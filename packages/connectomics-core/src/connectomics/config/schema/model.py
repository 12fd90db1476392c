"""`model` section: architecture and the loss plan."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from connectomics.config.checks.common import fail
from connectomics.config.schema.section import (
    NonNegativeFloat,
    NonNegativeInt,
    PositiveInt,
    Section,
)


class LossEntry(Section):
    """One loss of the plan: a registry name, its weight, its keyword arguments and the
    output/target channels it sees (an index, a list of them, or null for all)."""

    name: str
    weight: NonNegativeFloat = 1.0
    kwargs: dict[str, Any] = Field(default_factory=dict)
    target: int | list[int] | None = None

    def channels(self) -> list[int] | None:
        """`target` as a list of channel indices (None: all channels)."""
        target = self.target
        return None if target is None else [target] if isinstance(target, int) else list(target)


# The spec's parallel loss lists and the LossEntry key each fills.
LOSS_LISTS = {
    "loss_functions": "name",
    "loss_weights": "weight",
    "loss_kwargs": "kwargs",
    "loss_channels": "target",
}


class ModelConfig(Section):
    """Network architecture and how its outputs are scored."""

    # Registry name, see `connectomics info` (e.g. unet_res_em, basic_unet, dynunet, mednext_s).
    architecture: str = "unet_res_em"
    # 2 or 3 spatial dimensions.
    spatial_dims: Literal[2, 3] = 3
    in_channels: PositiveInt = 1
    # None: the channels data.targets produce (a value that differs is refused).
    out_channels: PositiveInt | None = None
    # Feature width per resolution level.
    filters: list[PositiveInt] = Field(default_factory=lambda: [16, 32, 64, 128], min_length=1)
    # Down-sampling factor between consecutive levels, one list per level transition
    # (e.g. [[1, 2, 2], [1, 2, 2], [2, 2, 2]] for anisotropic serial-section data).
    # None means 2 along every axis.
    strides: list[list[PositiveInt]] | None = None
    # Normalisation layer: "batch", "instance" or "group".
    norm: Literal["batch", "instance", "group"] = "batch"
    dropout: float = 0.0
    # Fine-tuning: initialise the network from this checkpoint (a path, or an https URL ending in
    # "#sha256=<hex>", downloaded once into the weights cache). Tensors whose name and shape match
    # load; the others (e.g. a new output head) stay freshly initialised and are listed in a
    # table. The optimizer and schedule start fresh (unlike --resume, which wins when given).
    init_from: str | None = None
    # Freeze the encoder (down-sampling path) for the first N epochs of fine-tuning; 0 = never.
    freeze_encoder_epochs: NonNegativeInt = 0
    # Extra keyword arguments passed to the network constructor (e.g. MONAI options).
    kwargs: dict[str, Any] = Field(default_factory=dict)
    # Deep supervision: losses at every decoder scale.
    deep_supervision: bool = False
    # Weight of each scale, finest first; None halves the weight at each coarser scale.
    # The weights are normalised to sum to 1 (a weighted average over scales).
    deep_supervision_weights: list[NonNegativeFloat] | None = None
    # Loss registry names, combined as a weighted sum.
    loss_functions: list[str] = Field(default_factory=lambda: ["DiceLoss"])
    loss_weights: list[NonNegativeFloat] = Field(default_factory=lambda: [1.0])
    # Keyword arguments for each loss (one mapping per loss, or empty). Dice-family losses
    # get logits and apply sigmoid unless {softmax: true} (or {sigmoid: false}) is given.
    loss_kwargs: list[dict[str, Any] | None] = Field(default_factory=list)
    # Output/target channels each loss sees (one list of channel indices per loss; null = all).
    loss_channels: list[int | list[int] | None] = Field(default_factory=list)
    # Added: the same plan as one list of entries {name, weight, kwargs, target} (target: the
    # channels the loss sees, null = all), instead of the four lists above.
    loss: list[LossEntry] | None = None

    def losses(self) -> list[LossEntry]:
        """The loss plan's entries: model.loss, else the four parallel lists zipped."""
        if self.loss is not None:
            return list(self.loss)
        count = len(self.loss_functions)
        if count == 0:
            raise fail(
                "model.loss_functions", "no loss given", "give at least one loss, e.g. [DiceLoss]"
            )
        columns = {}
        for key, field in LOSS_LISTS.items():
            values = getattr(self, key)
            if (values or key == "loss_weights") and len(values) != count:
                raise fail(
                    f"model.{key}",
                    f"{len(values)} value(s) for {count} loss function(s) {self.loss_functions}",
                    f"give {count} (one per loss function"
                    + (")" if key == "loss_weights" else ", or none)"),
                )
            columns[field] = values or [None] * count
        return [
            LossEntry(**{f: v[i] for f, v in columns.items() if v[i] is not None})
            for i in range(count)
        ]

    @field_validator("spatial_dims", mode="before")
    @classmethod
    def _dims(cls, dims: Any) -> Any:
        if dims not in (2, 3):
            raise fail("model.spatial_dims", f"{dims} is not supported", "set it to 2 or 3")
        return dims

    @model_validator(mode="after")
    def _strides(self) -> ModelConfig:
        if self.strides is None:
            return self
        levels = len(self.filters)
        if len(self.strides) != levels - 1:
            raise fail(
                "model.strides",
                f"{len(self.strides)} stride(s) for {levels} levels of model.filters",
                f"give {levels - 1} (one per level transition) or null",
            )
        for i, stride in enumerate(self.strides):
            if len(stride) != self.spatial_dims:
                raise sizes_error(f"model.strides[{i}]", stride, self.spatial_dims)
        return self

    @model_validator(mode="after")
    def _loss_plan(self) -> ModelConfig:
        given = sorted(set(LOSS_LISTS) & self.model_fields_set)
        if self.loss is not None and given:
            raise fail(
                "model.loss",
                f"given with model.{given[0]}",
                "give model.loss or the lists, not both",
            )
        entries = self.losses()
        if not entries:
            raise fail("model.loss", "no loss given", "give at least one loss, e.g. [DiceLoss]")
        out = self.out_channels
        for i, entry in enumerate(entries if out is not None else []):
            for c in entry.channels() or []:
                if not 0 <= c < out:
                    raise fail(
                        f"model.loss[{i}].target"
                        if self.loss is not None
                        else f"model.loss_channels[{i}]",
                        f"channel {c!r} is not an output channel (model.out_channels={out})",
                        f"use indices 0..{out - 1}",
                    )
        scales = self.deep_supervision_weights
        if scales is not None and sum(scales) <= 0:
            raise fail(
                "model.deep_supervision_weights",
                f"{scales} sums to 0",
                "give at least one positive weight, or null",
            )
        return self


def sizes_error(key: str, sizes: list[int], dims: int) -> Exception:
    """ConfigError for a size list whose length is not model.spatial_dims."""
    axes = "(z, y, x)" if dims == 3 else "(y, x)"
    return fail(
        key,
        f"{sizes} does not have {dims} sizes for model.spatial_dims={dims}",
        f"give {dims} values {axes}",
    )
