"""The base of every config section: unknown keys refused, assignments validated."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Section(BaseModel):
    """A config section: keys are declared fields, values are checked on load and assignment."""

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        validate_default=True,
        allow_inf_nan=False,
        coerce_numbers_to_str=True,
    )

    def __setattr__(self, name: str, value: Any) -> None:
        before = dict(self.__dict__)
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            # a section rule refuses after pydantic stored the value: put the old one back
            object.__setattr__(self, "__dict__", before)
            raise _explained(exc, type(self)) from None


def _explained(exc: ValidationError, root: type) -> Exception:
    """The ConfigError of a value assigned in code (no file to name)."""
    from connectomics.config.schema.explain import explain

    return explain(exc, root=root)


PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]
Probability = Annotated[float, Field(ge=0, le=1)]
