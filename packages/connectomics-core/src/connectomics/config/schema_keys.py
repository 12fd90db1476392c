"""The schema seen as dotted keys: key lookup, unknown-key suggestions, readable type names."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from connectomics.config.checks.registry_checks import open_section_entries
from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config
from connectomics.config.suggest import closest


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    """(annotation without None, whether None was allowed)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        return (args[0] if len(args) == 1 else Any), optional
    return annotation, False


@cache
def _fields(cls: type) -> dict[str, Any]:
    """Field name -> annotation of a schema dataclass, in declaration order."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _list_item(annotation: Any) -> Any | None:
    """Element annotation of list[...] (None when the annotation is not a list)."""
    bare, _ = _strip_optional(annotation)
    if typing.get_origin(bare) is list:
        args = typing.get_args(bare)
        return args[0] if args else Any
    return None


def _is_schema(annotation: Any) -> bool:
    bare, _ = _strip_optional(annotation)
    return dataclasses.is_dataclass(bare) and isinstance(bare, type)


@cache
def valid_keys() -> tuple[str, ...]:
    """Every dotted key the schema declares (sections too; list items as `data.targets.name`)."""
    keys: list[str] = []

    def walk(cls: type, prefix: str) -> None:
        for name, annotation in _fields(cls).items():
            key = f"{prefix}{name}"
            keys.append(key)
            item = _list_item(annotation)
            if _is_schema(annotation):
                walk(_strip_optional(annotation)[0], key + ".")
            elif item is not None and _is_schema(item):
                walk(item, key + ".")

    walk(Config, "")
    return tuple(keys)


def schema_annotation(path: Sequence[str]) -> Any | None:
    """Annotation of the value at a dotted path (list indices allowed); None if undeclared.

    Paths below a free-form field (Any, dict) give Any.
    """
    annotation: Any = Config
    for depth, part in enumerate(path):
        bare, _ = _strip_optional(annotation)
        if _is_schema(bare):
            fields = _fields(bare)
            if part not in fields:
                section = ".".join(path[:depth])
                return _open_entry(section, part, path[depth + 1 :])
            annotation = fields[part]
        elif _list_item(bare) is not None:
            if not part.lstrip("-").isdigit():
                return None
            annotation = _list_item(bare)
        else:
            return Any
    return annotation


def _open_entry(section: str, name: str, below: Sequence[str]) -> Any | None:
    """Annotation of an entry a registry added to an open section (see registry_checks)."""
    if name not in open_section_entries().get(section, {}):
        return None
    return dict[str, Any] if not below else Any


def _open_keys() -> tuple[str, ...]:
    """Dotted keys of the entries registries added to open sections, and of their values."""
    keys: list[str] = []
    for section, entries in open_section_entries().items():
        for name, defaults in entries.items():
            keys += [f"{section}.{name}", *(f"{section}.{name}.{k}" for k in defaults)]
    return tuple(keys)


def _normalise(key: str) -> str:
    """Dotted key without list indices: data.targets.0.name -> data.targets.name."""
    return ".".join(p for p in key.replace("[", ".").replace("]", "").split(".") if not p.isdigit())


def suggest_key(key: str) -> str | None:
    """The valid dotted key closest to `key` (difflib), in the user's indexing, or None.

    A misspelt leaf is matched among its section's keys first; then a misspelt section
    (whole-key match at the same depth); then the same leaf name in another section.
    """
    plain = _normalise(key)
    parent, _, leaf = plain.rpartition(".")
    keys = valid_keys() + _open_keys()
    same_depth = [k for k in keys if k.count(".") == plain.count(".")]
    siblings = {k.rpartition(".")[2]: k for k in same_depth if k.rpartition(".")[0] == parent}
    leaves = {k.rpartition(".")[2]: k for k in keys}
    guess = closest(leaf, siblings, cutoff=0.6)
    best = siblings[guess] if guess else closest(plain, same_depth, cutoff=0.75)
    if best is None:
        guess = closest(leaf, leaves, cutoff=0.85)
        best = leaves[guess] if guess else None
    if best is None:
        return None
    user_parent = key.rpartition(".")[0]
    best_parent, _, best_leaf = best.rpartition(".")
    if user_parent and _normalise(user_parent) == best_parent:
        return f"{user_parent}.{best_leaf}"
    return best


# Keys that were renamed: old dotted key -> (new key, what changed).
RENAMED_KEYS = {
    "data.iterations_per_epoch": (
        "data.steps_per_epoch",
        "it counts optimizer steps per epoch (each takes data.batch_size x "
        "training.accumulate_grad_batches crops), not crops",
    ),
}


def unknown_key_error(key: str, source: str) -> ConfigError:
    """ConfigError for an undeclared key, with the closest valid key or the valid siblings."""
    if key in RENAMED_KEYS:
        new, change = RENAMED_KEYS[key]
        return ConfigError(f"{source}: {key} was renamed to {new}; {change}")
    suggestion = suggest_key(key)
    if suggestion is not None:
        hint = f"did you mean {suggestion}?"
    else:
        parent = key.rpartition(".")[0]
        annotation = schema_annotation(parent.split(".")) if parent else Config
        bare = _strip_optional(annotation)[0] if annotation is not None else None
        item = _list_item(bare) if bare is not None else None
        cls = item if item is not None and _is_schema(item) else bare
        if cls is not None and _is_schema(cls):
            where = parent or "the top level"
            hint = f"valid keys of {where}: {', '.join(_fields(cls))}"
        else:
            hint = "see `connectomics config show` for the valid keys"
    return ConfigError(f"{source}: unknown key {key}; {hint}")


_SINGULAR = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}
_PLURAL = {int: "integers", float: "numbers", bool: "booleans", str: "strings"}


def _plural(annotation: Any) -> str:
    bare, _ = _strip_optional(annotation)
    if bare in _PLURAL:
        return _PLURAL[bare]
    if _list_item(bare) is not None:
        return f"lists of {_plural(_list_item(bare))}"
    if bare is Any:
        return "values"
    return "mappings"


def describe_type(annotation: Any) -> str:
    """Readable name of a field type, e.g. 'an integer', 'a list of integers or null'."""
    bare, optional = _strip_optional(annotation)
    if bare is Any:
        text = "any value"
    elif bare in _SINGULAR:
        text = _SINGULAR[bare]
    elif _list_item(bare) is not None:
        text = f"a list of {_plural(_list_item(bare))}"
    else:
        text = "a mapping"
    return text + (" or null" if optional else "")


def conform(raw: Mapping[str, Any], source: str, prefix: Sequence[str] = ()) -> dict[str, Any]:
    """Check every key of `raw` against the schema and return a copy ready to merge.

    Raises ConfigError naming `source` and the dotted key for an unknown key or a mapping
    where a value belongs (or the reverse). Empty sections (`training:` with nothing under it)
    are dropped; numbers given for string fields become strings (precision: 32 -> "32").
    """
    out: dict[str, Any] = {}
    for key, value in raw.items():
        path = [*prefix, str(key)]
        dotted = ".".join(path)
        annotation = schema_annotation(path)
        if annotation is None:
            raise unknown_key_error(dotted, source)
        out[key] = conform_value(value, annotation, path, source)
    return out


def conform_value(value: Any, annotation: Any, path: list[str], source: str) -> Any:
    """`value` checked and coerced for the field `annotation` at `path` (see `conform`)."""
    dotted = ".".join(path)
    bare, optional = _strip_optional(annotation)
    if _is_schema(bare):
        if value is None:
            return {} if not optional else None
        if not isinstance(value, Mapping):
            example = next(iter(_fields(bare)))
            raise ConfigError(
                f"{source}: {dotted} must be a mapping of keys (e.g. {dotted}.{example}: ...), "
                f"got {value!r}"
            )
        return conform(value, source, path)
    item = _list_item(bare)
    if item is not None and isinstance(value, list | tuple):
        return [
            conform_value(v, item, [*path, str(i)], source) if _is_schema(item) else v
            for i, v in enumerate(value)
        ]
    if bare is str and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value
