"""`validate_config`: the one validation of a composed mapping into the typed `Config`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import ValidationError

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config
from connectomics.config.schema.explain import explain
from connectomics.config.schema.section import Section

S = TypeVar("S", bound=Section)


def validate_config(
    data: Mapping[str, Any] | Config, source: str = "config", overrides: Sequence[str] = ()
) -> Config:
    """The typed Config of `data` (a resolved mapping, or a Config to check again).

    Every rule runs here once: types, choices, ranges, cross-field rules and the checks the
    model/loss layers registered. Raises ConfigError `source: key: problem; fix` for the first
    problem (an override that set the bad key is named instead of `source`).
    """
    raw = data.model_dump() if isinstance(data, Config) else data
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise explain(exc, source, overrides) from None
    except ConfigError as exc:  # raised outside pydantic's wrapping (e.g. a registered check)
        raise ConfigError(f"{source}: {exc}") from None


def validate_section(cls: type[S], data: Mapping[str, Any]) -> S:
    """One section (e.g. ModelConfig) from a mapping, on its own; ConfigError as for a Config."""
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise explain(exc, root=cls) from None
