"""Dot-list overrides (`training.max_epochs=5`, `data.patch_size=[16,64,64]`) on a mapping."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from connectomics.config.compose import known_keys
from connectomics.config.errors import ConfigError
from connectomics.config.schema.keys import registered_entry, unknown_key_error
from connectomics.config.schema.types import field_annotation, list_item, section_of

_INDEX = re.compile(r"\[(\d+)\]")


def _parse_value(text: str) -> Any:
    """A YAML value as OmegaConf's dot-list parses it (numbers, lists, mappings, null)."""
    return OmegaConf.to_container(OmegaConf.from_dotlist([f"value={text}"]), resolve=False)["value"]


def _split(item: str) -> tuple[str, str]:
    key, sep, text = item.partition("=")
    key = _INDEX.sub(r".\1", key.strip()).strip(".")
    if not sep or not key:
        raise ConfigError(f"override {item!r} is not key=value; write e.g. training.max_epochs=5")
    return key, text.strip()


def as_override_list(overrides: Iterable[str] | Mapping[str, Any] | str | None) -> list[str]:
    """Overrides as `key=value` strings (a mapping gives one per item, values as JSON)."""
    if overrides is None:
        return []
    if isinstance(overrides, str):
        return [overrides]
    if isinstance(overrides, Mapping):
        return [f"{k}={json.dumps(v)}" for k, v in overrides.items()]
    return [str(o) for o in overrides]


def _checked(path: list[str], value: Any, source: str) -> Any:
    """`value` for the dotted `path` once the path (and a section value's keys) exist."""
    from connectomics.config.schema import Config

    annotation: Any = Config
    for part in path:
        section = section_of(annotation)
        if section is not None:
            if part not in section.model_fields:
                if registered_entry(section, part):
                    return value  # checked by the layer that registered the entry
                raise unknown_key_error(".".join(path), source)
            annotation = field_annotation(section, part)
        elif list_item(annotation) is not None and part.isdigit():
            annotation = list_item(annotation)
        elif list_item(annotation) is not None:
            raise unknown_key_error(".".join(path), source)
        else:
            return value  # below a free-form mapping (kwargs): any key
    section = section_of(annotation)
    if section is not None and isinstance(value, Mapping):
        return known_keys(value, source, section, ".".join(path) + ".")
    return value


def apply_overrides(cfg: DictConfig, overrides: Iterable[str]) -> DictConfig:
    """`cfg` with each `key=value` applied in order; ConfigError names the override and key."""
    for item in overrides:
        source = f"override {item!r}"
        key, text = _split(item)
        path = key.split(".")
        _checked(path, None, source)
        try:
            value = _parse_value(text)
        except OmegaConfBaseException as exc:
            raise ConfigError(f"{source}: cannot parse value {text!r} ({exc}); quote it") from None
        value = _checked(path, value, source)
        _check_indices(cfg, path, source)
        try:
            OmegaConf.update(cfg, key, value, merge=True)
        except (OmegaConfBaseException, IndexError) as exc:
            reason = str(exc).splitlines()[0]
            raise ConfigError(
                f"{source}: cannot set {key} ({reason}); check the key and index"
            ) from None
    return cfg


def _check_indices(cfg: DictConfig, path: list[str], source: str) -> None:
    """An index into a list field must exist (a new item needs the whole list)."""
    for depth, part in enumerate(path):
        if not part.isdigit():
            continue
        parent = ".".join(path[:depth])
        node = OmegaConf.select(cfg, parent, default=None)
        if isinstance(node, ListConfig) and int(part) >= len(node):
            raise ConfigError(
                f"{source}: {parent} has {len(node)} item(s), so index {part} does not exist; "
                f"set the whole list instead, e.g. {parent}=[...]"
            )
