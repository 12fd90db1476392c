"""`DecoderSpec`: everything about one decoder, declared once where the decoder is defined.

The in-memory function's signature is the declaration of its parameters: their types, ranges
(`Annotated[float, Field(ge=0, le=1)]`) and defaults. The spec adds which layout channels the
decoder reads (the foreground channel or the affinity channels, filled from data.targets when
decoding.kwargs leaves them unset), the parameter threshold tuning varies and its grid, and the
blockwise form, if any. Load-time checks, `build_decoder`, tuning and blockwise decoding all
resolve arguments through `DecoderSpec.resolve`.
"""

from __future__ import annotations

import importlib
import inspect
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from connectomics.config.errors import ConfigError
from connectomics.config.suggest import did_you_mean

# Values tried by threshold tuning unless decoding.tune.candidates names others.
DEFAULT_GRID: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

# "foreground": the decoder reads `channel`; "affinity": `offsets` and `channels`; "contour":
# `channels` (foreground, contour[, distance]).
Reads = Literal["foreground", "affinity", "contour"] | None


def _resolve_reference(reference: str) -> Callable[..., Any]:
    """The function named "package.module:function"."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class DecoderSpec:
    """A decoder: its function, the channels it reads, its tuned parameter, its blockwise form.

    `blockwise` names ("module:function") the engine pass of its blockwise form, called as
    `form(spec, volume, store, grid, key, engine, kwargs)`; `labeller` names the per-block
    labelling step of a connected-components decoder (its result before small-object removal).
    """

    name: str
    function: Callable[..., np.ndarray]
    reads: Reads = None
    tuned: str | None = None
    grid: tuple[float, ...] = DEFAULT_GRID
    blockwise: str | None = None
    labeller: str | None = None

    @cached_property
    def parameters(self) -> type[BaseModel]:
        """A pydantic model of the function's keyword parameters (types, ranges, defaults)."""
        hints = typing.get_type_hints(self.function, include_extras=True)
        fields: dict[str, Any] = {}
        for name, param in list(inspect.signature(self.function).parameters.items())[1:]:
            default = ... if param.default is inspect.Parameter.empty else param.default
            fields[name] = (hints.get(name, Any), default)
        return create_model(  # type: ignore[call-overload]
            f"{self.name}_parameters", __config__=ConfigDict(extra="forbid"), **fields
        )

    def names(self) -> list[str]:
        """The decoder's parameter names, in signature order."""
        return list(self.parameters.model_fields)

    def check_names(self, kwargs: Mapping[str, Any], key: str) -> None:
        """ConfigError at `key`.<name> for a kwarg the decoder does not take."""
        for name in kwargs:
            if name not in self.parameters.model_fields:
                raise ConfigError(
                    f"{key}.{name}: not a parameter of decoder {self.name!r}; "
                    f"{did_you_mean(str(name), self.names())}it takes: {', '.join(self.names())}"
                )

    def resolve(
        self, kwargs: Mapping[str, Any], layout: Any = None, key: str = "decoding.kwargs"
    ) -> dict[str, Any]:
        """Every parameter's value: `kwargs` checked against the declared types and ranges,
        layout channels filled from `layout` (a TargetLayout) where unset, then the defaults."""
        self.check_names(kwargs, key)
        values = dict(kwargs)
        if layout is not None:
            values = {**self.layout_arguments(layout, values), **values}
        try:
            checked = self.parameters.model_validate(values)
        except ValidationError as exc:
            error = exc.errors()[0]
            # union members name themselves in the location (threshold.constrained-float)
            first, *rest = error["loc"]
            where = ".".join([str(first), *(str(p) for p in rest if isinstance(p, int))])
            raise ConfigError(
                f"{key}.{where}: {error['msg']} (got {error.get('input')!r}); decoder "
                f"{self.name!r} takes {self._describe(str(error['loc'][0]))}"
            ) from None
        return {name: getattr(checked, name) for name in self.parameters.model_fields}

    def _describe(self, name: str) -> str:
        info = self.parameters.model_fields.get(name)
        if info is None:
            return f"the parameters {', '.join(self.names())}"
        ranges = [str(m) for m in info.metadata]  # e.g. Ge(ge=0), Le(le=1)
        for member in typing.get_args(info.annotation):  # e.g. float | Literal["merge_gap"]
            for field in getattr(member, "__metadata__", ()):  # Annotated[float, Field(...)]
                ranges += [str(m) for m in getattr(field, "metadata", ())]
            if typing.get_origin(member) is Literal:
                ranges.append(f"or {' or '.join(repr(v) for v in typing.get_args(member))}")
        return f"{name} (default {info.default!r}{', ' if ranges else ''}{', '.join(ranges)})"

    def layout_arguments(self, layout: Any, given: Mapping[str, Any]) -> dict[str, Any]:
        """The channel arguments the target layout implies, for those `given` leaves unset."""
        if self.reads == "foreground" and "channel" not in given:
            return {"channel": layout.foreground_channel()}
        contour = layout.contour_channels() if self.reads == "contour" else None
        if contour is not None and "channels" not in given:
            return {"channels": contour}
        affinity = layout.affinity() if self.reads == "affinity" else None
        if affinity is not None and not {"offsets", "channels"} & set(given):
            return {
                "offsets": [list(o) for o in affinity.offsets or ()],
                "channels": affinity.indices(),
            }
        return {}

    def blockwise_form(self) -> Callable[..., Any] | None:
        """The engine pass of the blockwise form, or None when the decoder has none."""
        return _resolve_reference(self.blockwise) if self.blockwise else None

    def labelling(self) -> Callable[..., np.ndarray]:
        """The per-block labelling step (connected-components decoders)."""
        if self.labeller is None:
            raise ValueError(f"decoder {self.name!r} declares no per-block labeller")
        return _resolve_reference(self.labeller)
