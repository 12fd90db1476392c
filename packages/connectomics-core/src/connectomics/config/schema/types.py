"""Reading the schema's annotations: section classes, list items, readable type names."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel


def unwrap(annotation: Any) -> Any:
    """`annotation` without Annotated[...] metadata."""
    while typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def members(annotation: Any) -> list[Any]:
    """The members of a union annotation (itself alone when it is not a union)."""
    bare = unwrap(annotation)
    if typing.get_origin(bare) in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(bare) for m in members(arg)]
    return [annotation]


def is_optional(annotation: Any) -> bool:
    """Whether an annotation allows None."""
    return any(unwrap(m) is type(None) for m in members(annotation))


def section_of(annotation: Any) -> type[BaseModel] | None:
    """The section class an annotation holds (also inside `X | None`), or None."""
    for member in members(annotation):
        bare = unwrap(member)
        if isinstance(bare, type) and issubclass(bare, BaseModel):
            return bare
    return None


def list_item(annotation: Any) -> Any | None:
    """The item annotation of a list annotation (also inside a union), or None."""
    for member in members(annotation):
        bare = unwrap(member)
        if typing.get_origin(bare) is list:
            args = typing.get_args(bare)
            return args[0] if args else Any
    return None


def field_annotation(cls: type[BaseModel], name: str) -> Any:
    """Annotation of field `name` of `cls` with its constraints (Annotated[...])."""
    return cls.model_fields[name].rebuild_annotation()


def literal_choices(annotation: Any) -> list[Any]:
    """Every literal value a (union) annotation allows, lists not entered."""
    return [
        value
        for member in members(annotation)
        if typing.get_origin(unwrap(member)) is Literal
        for value in typing.get_args(unwrap(member))
    ]


_SINGULAR = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}
_PLURAL = {int: "integers", float: "numbers", bool: "booleans", str: "strings"}


def _one(annotation: Any, plural: bool) -> str:
    bare = unwrap(annotation)
    table = _PLURAL if plural else _SINGULAR
    if bare in table:
        return table[bare]
    if bare is type(None):
        return "null"
    if typing.get_origin(bare) is Literal:
        return " or ".join(str(v) for v in typing.get_args(bare))
    if typing.get_origin(bare) is list:
        item = list_item(bare)
        return f"{'lists' if plural else 'a list'} of {describe_type(item, plural=True)}"
    if bare is Any:
        return "values" if plural else "any value"
    return "mappings" if plural else "a mapping"


def describe_type(annotation: Any, plural: bool = False) -> str:
    """Readable name of a field type, e.g. 'an integer', 'a list of integers or null'."""
    return " or ".join(dict.fromkeys(_one(m, plural) for m in members(annotation)))
