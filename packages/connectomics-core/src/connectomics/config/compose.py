"""Reading YAML files and merging them, `_base_` first, into one mapping (OmegaConf)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from connectomics.config.errors import ConfigError
from connectomics.config.packaged_tutorials import TUTORIALS_DIR, tutorial_path
from connectomics.config.schema.keys import registered_entry, unknown_key_error
from connectomics.config.schema.types import field_annotation, is_optional, list_item, section_of
from connectomics.config.yaml_text import MAX_YAML_BYTES, parse_yaml_mapping

BASE_KEY = "_base_"
# A base is a YAML config: anything else (a system file, a secret) is never read, so never echoed.
YAML_SUFFIXES = (".yaml", ".yml")


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
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise ConfigError(
                f"{shown}: {size} bytes is not a config (limit {MAX_YAML_BYTES}); "
                "give a YAML config file"
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = type(exc).__name__ if isinstance(exc, UnicodeDecodeError) else exc.strerror
        raise ConfigError(
            f"{shown}: cannot read config ({reason}); give a UTF-8 YAML file"
        ) from None
    return parse_yaml_mapping(text, shown)


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
    if Path(base).suffix.lower() not in YAML_SUFFIXES and tutorial_path(base) is None:
        raise ConfigError(
            f"{display_path(including)}: {BASE_KEY} {base!r} is not a YAML file; "
            f"give a {' or '.join(YAML_SUFFIXES)} file or a packaged tutorial name"
        )
    candidate = (including.parent / Path(base).expanduser()).resolve()
    if candidate.is_file() and candidate.suffix.lower() not in YAML_SUFFIXES:
        raise ConfigError(
            f"{display_path(including)}: {BASE_KEY} {base!r} leads to a file that is not YAML; "
            "point it at a YAML config"
        )
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
    """`cfg` with `raw` merged on top (mappings merge, lists replace); unknown keys refused."""
    checked = known_keys(raw, source)
    try:
        return OmegaConf.merge(cfg, checked)  # type: ignore[return-value]
    except OmegaConfBaseException as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{source}: {reason}") from None


def known_keys(
    raw: Mapping[str, Any], source: str, section: Any = None, prefix: str = ""
) -> dict[str, Any]:
    """A copy of `raw` whose keys all exist in the `section` class (default: the whole
    Config), else ConfigError naming `source` and the dotted key; empty sections
    (`training:` with nothing under it) are dropped."""
    if section is None:
        from connectomics.config.schema import Config

        section = Config
    out: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if str(key) not in section.model_fields:
            if registered_entry(section, str(key)):
                out[key] = value
                continue
            raise unknown_key_error(dotted, source)
        annotation = field_annotation(section, str(key))
        child, item = section_of(annotation), section_of(list_item(annotation))
        if child is not None and value is None and not is_optional(annotation):
            continue
        if child is not None and isinstance(value, Mapping):
            value = known_keys(value, source, child, f"{dotted}.")
        elif item is not None and isinstance(value, list):
            value = [
                known_keys(v, source, item, f"{dotted}.{i}.") if isinstance(v, Mapping) else v
                for i, v in enumerate(value)
            ]
        out[key] = value
    return out
