"""`load_config`: a YAML path or tutorial name, its bases, overrides, resolved and validated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from connectomics.config.checks.registry_checks import open_section_entries
from connectomics.config.compose import BASE_KEY, display_path, merge_file, merge_mapping
from connectomics.config.errors import ConfigError
from connectomics.config.locate import locate_config
from connectomics.config.overrides import apply_overrides, as_override_list
from connectomics.config.schema import Config
from connectomics.config.validation import validate_config


def base_config() -> DictConfig:
    """The schema's defaults, plus the defaults of entries registries added to open sections."""
    cfg = OmegaConf.structured(Config)
    for path, entries in open_section_entries().items():
        section = OmegaConf.select(cfg, path)
        with open_dict(section):
            for name, defaults in entries.items():
                section[name] = defaults
    return cfg


def _resolve(cfg: DictConfig, source: str) -> None:
    """Replace every ${...} by its value, in place; ConfigError names the key that fails."""
    try:
        OmegaConf.resolve(cfg)
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None) or "?"
        reason = str(exc).splitlines()[0]
        raise ConfigError(
            f"{source}: cannot resolve the interpolation at {key} ({reason}); "
            "point ${...} at an existing key, e.g. ${data.patch_size}"
        ) from None


def _finish(cfg: DictConfig, overrides: Any, source: str) -> DictConfig:
    """Apply overrides, resolve interpolations and validate; errors name `source`."""
    items = as_override_list(overrides)
    cfg = apply_overrides(cfg, items)
    where = f"{source} with overrides" if items else source
    _resolve(cfg, where)
    try:
        validate_config(cfg)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return cfg


def load_config(
    path_or_name: str | Path,
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
) -> DictConfig:
    """Load a config file or packaged tutorial (`lucchi`, `snemi`, `demo`) as a typed config.

    `_base_` files are merged first (paths relative to the including file), then the file,
    then dot-list `overrides` in order; `${...}` interpolations are resolved and the result is
    checked by `validate_config`. Every mistake raises ConfigError naming file, key and fix.
    """
    path = locate_config(path_or_name)
    cfg = merge_file(base_config(), path)
    return _finish(cfg, overrides, display_path(path))


def create_config(
    data: Mapping[str, Any] | DictConfig | None = None,
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
    source: str = "config mapping",
) -> DictConfig:
    """A typed, validated config from a mapping (e.g. YAML stored in a checkpoint), like load_config.

    `source` names the origin in error messages; `_base_` needs files, so it is refused here.
    """
    raw = OmegaConf.to_container(data, resolve=False) if OmegaConf.is_config(data) else data
    raw = dict(raw or {})  # type: ignore[arg-type]
    if BASE_KEY in raw:
        raise ConfigError(f"{source}: {BASE_KEY} is only supported in files; use load_config")
    cfg = merge_mapping(base_config(), raw, source)
    return _finish(cfg, overrides, source)
