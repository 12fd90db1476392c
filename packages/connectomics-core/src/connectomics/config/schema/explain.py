"""Pydantic's validation errors told as one ConfigError line: source, dotted key, value, fix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from connectomics.config.errors import ConfigError
from connectomics.config.schema.keys import unknown_key_error
from connectomics.config.schema.types import (
    describe_type,
    field_annotation,
    list_item,
    literal_choices,
    members,
    section_of,
)
from connectomics.config.suggest import did_you_mean

# Errors saying the value has the wrong type (as opposed to a wrong value of the right type).
_TYPE_ERRORS = {
    "int_type", "int_parsing", "int_from_float", "float_type", "float_parsing", "bool_type",
    "bool_parsing", "string_type", "list_type", "dict_type", "model_type", "model_attributes_type",
    "none_required", "is_instance_of",
}  # fmt: skip


def section_path(cls: type) -> list[str | int]:
    """Where sections of class `cls` sit in the Config (list items without their index)."""
    from connectomics.config.schema import Config

    def walk(section: type, path: list[str | int]) -> list[str | int] | None:
        if section is cls:
            return path
        for name in section.model_fields:
            annotation = field_annotation(section, name)
            child = section_of(annotation) or section_of(list_item(annotation))
            found = walk(child, [*path, name]) if child is not None else None
            if found is not None:
                return found
        return None

    return walk(Config, []) or []


def locate(loc: Sequence[str | int], root: type | None = None) -> tuple[list[str | int], Any]:
    """The config path of a pydantic error location (union tags dropped) and its annotation;
    `loc` starts at the section class `root` (default: the whole Config)."""
    from connectomics.config.schema import Config

    root = root or Config
    annotation: Any = root
    path: list[str | int] = section_path(root) if root is not Config else []
    for part in loc:
        section = section_of(annotation)
        if isinstance(part, int):
            annotation = list_item(annotation)
        elif section is not None and part in section.model_fields:
            annotation = field_annotation(section, part)
        elif len(members(annotation)) > 1:
            continue  # a union member's tag, e.g. 'list[constrained-float]'
        else:
            annotation = Any  # a key inside a free-form mapping
        path.append(part)
    return path, annotation


def dotted(path: Sequence[str | int], brackets: bool = False) -> str:
    """`data.targets.0.name` (as the user wrote a key) or `data.targets[0].name` (a value)."""
    text = ""
    for part in path:
        if isinstance(part, int) and brackets:
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _bounds(annotation: Any) -> str:
    """The allowed range of a constrained number, e.g. 'at least 1' or 'in [0, 1)'."""
    low = high = ""
    metadata = [item for m in members(annotation) for item in getattr(m, "__metadata__", ())]
    for item in metadata:  # Field(...) in Annotated carries its bounds in .metadata
        for bound in getattr(item, "metadata", [item]):
            if hasattr(bound, "ge") or hasattr(bound, "gt"):
                low = f"[{bound.ge}" if hasattr(bound, "ge") else f"({bound.gt}"
            if hasattr(bound, "le") or hasattr(bound, "lt"):
                high = f"{bound.le}]" if hasattr(bound, "le") else f"{bound.lt})"
    if low and high:
        return f"to a value in {low}, {high}"
    if low:
        return f"{'to at least' if low[0] == '[' else 'above'} {low[1:]}"
    return f"{'to at most' if high.endswith(']') else 'below'} {high[:-1]}"


def _range_problem(error: ErrorDetails, annotation: Any) -> tuple[str, str]:
    ctx = error.get("ctx", {})
    value = error["input"]
    if ctx.get("ge") == 0 or ctx.get("gt") == 0:
        problem = "is negative" if "ge" in ctx else "is not positive"
        return f"{value} {problem}", f"set it {_bounds(annotation)}"
    return f"{value} is out of range", f"set it {_bounds(annotation)}"


def _format_value(value: Any) -> str:
    return "null" if value is None else f"{value!r} ({type(value).__name__})"


def _message(error: ErrorDetails, root: type | None) -> str:
    """One error as `key: problem; fix` (or `key expects ..., got ...; set ...`)."""
    kind = error["type"]
    path, annotation = locate(error["loc"], root)
    key, value_key = dotted(path), dotted(path, brackets=True)
    value = error.get("input")
    if kind in ("value_error", "assertion_error"):
        cause = error.get("ctx", {}).get("error")
        return str(cause) if isinstance(cause, ConfigError) else f"{value_key}: {error['msg']}"
    if kind == "literal_error":
        choices = [str(c) for c in literal_choices(annotation)]
        hint = did_you_mean(str(value), choices)
        return f"{value_key}: unknown value {value!r}; {hint}choose one of {', '.join(choices)}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        problem, fix = _range_problem(error, annotation)
        return f"{value_key}: {problem}; {fix}"
    if kind == "finite_number":
        return f"{value_key}: {value} is not a finite number; give a finite value, e.g. 1e-3"
    if kind in ("too_short", "too_long"):
        ctx = error.get("ctx", {})
        limit = (
            f"at least {ctx['min_length']}"
            if kind == "too_short"
            else f"at most {ctx['max_length']}"
        )
        return f"{value_key}: {value} has {ctx.get('actual_length')} value(s); give {limit}"
    section = section_of(annotation)
    if section is not None and kind in ("model_type", "model_attributes_type", "dict_type"):
        example = next(iter(section.model_fields))
        return f"{key} must be a mapping of keys (e.g. {key}.{example}: ...), got {value!r}"
    expected = describe_type(annotation)
    return f"{key} expects {expected}, got {_format_value(value)}; set {key} to {expected}"


def _pick(errors: list[ErrorDetails], root: type | None) -> ErrorDetails:
    """The error to report: the first key's; of a union's errors, the one that went deepest
    into the value, a wrong value before a wrong type."""
    first = locate(errors[0]["loc"], root)[0]
    same = [e for e in errors if locate(e["loc"], root)[0][: len(first)] == first]
    return min(same, key=lambda e: (e["type"] in _TYPE_ERRORS, -len(locate(e["loc"], root)[0])))


def explain(
    exc: ValidationError,
    source: str | None = None,
    overrides: Sequence[str] = (),
    root: type | None = None,
) -> ConfigError:
    """ConfigError `source: key: problem; fix` for the first problem pydantic found in a
    section of class `root` (default: the whole Config); an override that set the bad key is
    named as the source of a wrong type or value."""
    error = _pick(exc.errors(include_url=False), root)
    path, _ = locate(error["loc"], root)
    if error["type"] in ("extra_forbidden", "no_such_attribute"):
        return unknown_key_error(dotted(path), source)
    if error["type"] not in ("value_error", "assertion_error"):
        key = dotted(path)
        for item in overrides:
            if item.partition("=")[0].strip() in (key, dotted(path, brackets=True)):
                source = f"override {item!r}"
    message = _message(error, root)
    return ConfigError(f"{source}: {message}" if source else message)
