"""`load_config`: a YAML path or tutorial name, its bases, overrides, resolved and validated."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from connectomics.config.compose import BASE_KEY, display_path, merge_file, merge_mapping
from connectomics.config.errors import ConfigError
from connectomics.config.locate import locate_config
from connectomics.config.overrides import apply_overrides, as_override_list
from connectomics.config.schema import Config
from connectomics.config.validation import validate_config

Overrides = Iterable[str] | Mapping[str, Any] | None


def _defaults() -> DictConfig:
    """The schema's defaults as a mapping to compose onto (so ${...} may point at them)."""
    return OmegaConf.create(Config.model_construct().model_dump())


# Resolvers whose values would be written into config.yaml, checkpoints and logs (secrets).
_REFUSED_RESOLVERS = re.compile(r"\$\{\s*oc\.(env|decode)\s*:")


def _refuse_environment(value: Any, source: str, key: str = "") -> None:
    """ConfigError if any value interpolates the environment (${oc.env:...})."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            _refuse_environment(v, source, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _refuse_environment(v, source, f"{key}.{i}")
    elif isinstance(value, str) and _REFUSED_RESOLVERS.search(value):
        raise ConfigError(
            f"{source}: {key} reads the environment (${{oc.env:...}}); its value would be saved "
            "in config.yaml, every checkpoint and the logs, so it is refused: pass the value as "
            f'an override instead, e.g. {key}="$VAR" in the shell'
        )


def _resolve(cfg: DictConfig, source: str) -> dict[str, Any]:
    """The composed mapping with every ${...} replaced; ConfigError names the key that fails."""
    _refuse_environment(OmegaConf.to_container(cfg, resolve=False), source)
    try:
        return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None) or "?"
        reason = str(exc).splitlines()[0]
        raise ConfigError(
            f"{source}: cannot resolve the interpolation at {key} ({reason}); "
            "point ${...} at an existing key, e.g. ${data.patch_size}"
        ) from None


def _finish(cfg: DictConfig, overrides: Overrides, source: str) -> Config:
    """Apply overrides, resolve interpolations and validate once; errors name `source`."""
    items = as_override_list(overrides)
    cfg = apply_overrides(cfg, items)
    where = f"{source} with overrides" if items else source
    return validate_config(_resolve(cfg, where), where, items)


def load_config(path_or_name: str | Path, overrides: Overrides = None) -> Config:
    """Load a config file or packaged tutorial (`lucchi`, `snemi`, `demo`) as a typed Config.

    `_base_` files are merged first (paths relative to the including file), then the file,
    then dot-list `overrides` in order; `${...}` interpolations are resolved and the result is
    validated once into `Config`. Every mistake raises ConfigError naming file, key and fix.
    """
    path = locate_config(path_or_name)
    cfg = merge_file(_defaults(), path)
    return _finish(cfg, overrides, display_path(path))


def create_config(
    data: Mapping[str, Any] | Config | None = None,
    overrides: Overrides = None,
    source: str = "config mapping",
) -> Config:
    """A typed Config from a mapping (e.g. YAML stored in a checkpoint) or a Config, with
    `overrides` applied through the same composition and validation as load_config.

    `source` names the origin in error messages; `_base_` needs files, so it is refused here.
    """
    if isinstance(data, Config):
        raw: dict[str, Any] = data.model_dump()
    elif OmegaConf.is_config(data):
        raw = OmegaConf.to_container(data, resolve=False)  # type: ignore[assignment]
    else:
        raw = dict(data or {})
    if BASE_KEY in raw:
        raise ConfigError(f"{source}: {BASE_KEY} is only supported in files; use load_config")
    cfg = merge_mapping(_defaults(), raw, source)
    return _finish(cfg, overrides, source)
