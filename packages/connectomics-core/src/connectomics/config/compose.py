"""Reading YAML files and merging them, `_base_` first, into the typed config."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig, ListConfig, Node, OmegaConf
from omegaconf.errors import OmegaConfBaseException, ValidationError

from connectomics.config.errors import ConfigError
from connectomics.config.packaged_tutorials import TUTORIALS_DIR, tutorial_path
from connectomics.config.schema_keys import conform, describe_type, schema_annotation

BASE_KEY = "_base_"


def display_path(path: Path) -> str:
    """Path as shown in messages: relative to the working directory when below it."""
    if path.parent == TUTORIALS_DIR:
        return f"packaged tutorial {path.name}"
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_yaml(path: Path) -> dict[str, Any]:
    """The mapping in a YAML file, interpolations kept as text; ConfigError on bad YAML."""
    shown = display_path(path)
    try:
        loaded = OmegaConf.load(path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(exc.problem or exc.context or "syntax error").split())
        if exc.problem and exc.context and exc.context_mark:
            problem += f" ({exc.context} started at line {exc.context_mark.line + 1})"
        raise ConfigError(f"{shown}: invalid YAML{where}: {problem}; fix the YAML syntax") from None
    except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
        reason = " ".join(str(exc).split())
        raise ConfigError(
            f"{shown}: cannot read config ({reason}); give a UTF-8 YAML file"
        ) from None
    if isinstance(loaded, ListConfig):
        raise ConfigError(f"{shown}: top level is a list; a config is a mapping of sections")
    return OmegaConf.to_container(loaded, resolve=False) if loaded else {}  # type: ignore[return-value]


def _bases(raw: dict[str, Any], shown: str) -> list[str]:
    value = raw.pop(BASE_KEY, None)
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
        raise ConfigError(
            f"{shown}: {BASE_KEY} must be a file name or a list of them, got {value!r}; "
            f"e.g. {BASE_KEY}: base.yaml"
        )
    return items


def _locate_base(base: str, including: Path) -> Path:
    candidate = (including.parent / Path(base).expanduser()).resolve()
    if candidate.is_file():
        return candidate
    packaged = tutorial_path(base)
    if packaged is not None:
        return packaged
    raise ConfigError(
        f"{display_path(including)}: {BASE_KEY} {base!r} not found "
        f"(resolved against {including.parent} as {candidate}); "
        "give a path relative to this file or a packaged tutorial name"
    )


def merge_file(cfg: DictConfig, path: Path, chain: tuple[Path, ...] = ()) -> DictConfig:
    """`cfg` with the file at `path` merged on top, its `_base_` files merged first."""
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(display_path(p) for p in (*chain[chain.index(path) :], path))
        raise ConfigError(
            f"{display_path(path)}: {BASE_KEY} cycle {cycle}; remove one of these bases"
        )
    raw = read_yaml(path)
    shown = display_path(path)
    for base in _bases(raw, shown):
        cfg = merge_file(cfg, _locate_base(base, path), (*chain, path))
    return merge_mapping(cfg, raw, shown)


def merge_mapping(cfg: DictConfig, raw: Mapping[str, Any], source: str) -> DictConfig:
    """`cfg` with `raw` merged on top; unknown keys and wrong types raise ConfigError."""
    conformed = conform(raw, source)
    try:
        return OmegaConf.merge(cfg, conformed)  # type: ignore[return-value]
    except ValidationError as exc:
        raise type_error(exc, conformed, source) from None
    except OmegaConfBaseException as exc:
        raise ConfigError(f"{source}: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _find_key(raw: Any, key: Any, value: Any, path: tuple[str, ...] = ()) -> str | None:
    """Dotted path of the entry `key: value` in nested raw data (OmegaConf loses list paths)."""
    items = (
        raw.items() if isinstance(raw, Mapping) else enumerate(raw) if isinstance(raw, list) else []
    )
    for k, v in items:
        here = (*path, str(k))
        if str(k) == str(key) and (v is value or v == value):
            return ".".join(here)
        found = _find_key(v, key, value, here)
        if found is not None:
            return found
    return None


def _format_value(value: Any) -> str:
    return "null" if value is None else f"{value!r} ({type(value).__name__})"


def type_error(exc: ValidationError, raw: Any, source: str) -> ConfigError:
    """ConfigError naming the key, the expected type and the value given."""
    key = _find_key(raw, exc.key, exc.value) or str(exc.full_key or exc.key)
    annotation = schema_annotation(key.split("."))
    if annotation is None:
        return ConfigError(f"{source}: {key}: {_first_line(exc)}")
    expected = describe_type(annotation)
    value = exc.value._value() if isinstance(exc.value, Node) else exc.value
    return ConfigError(
        f"{source}: {key} expects {expected}, got {_format_value(value)}; set {key} to {expected}"
    )
