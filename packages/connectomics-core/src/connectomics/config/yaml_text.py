"""The one YAML reader of configs, files and checkpoint-embedded text alike: OmegaConf's
loader with its alias-expansion limit (an alias bomb fails fast), a size limit, and errors
that name the source and the position but never echo the text."""

from __future__ import annotations

import io
from typing import Any

import yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from connectomics.config.errors import ConfigError

# A config is a few kB; a checkpoint's embedded config a few more. Anything far larger is not one.
MAX_YAML_BYTES = 4 * 1024 * 1024


def parse_yaml(text: str, source: str) -> Any:
    """The plain value (mapping, list, scalar or None) of YAML `text`; ConfigError on bad YAML."""
    if len(text) > MAX_YAML_BYTES:
        raise ConfigError(
            f"{source}: {len(text)} bytes is not a config (limit {MAX_YAML_BYTES}); "
            "give a YAML config file"
        )
    try:
        loaded = OmegaConf.load(io.StringIO(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(exc.problem or exc.context or "syntax error").split())
        if exc.problem and exc.context and exc.context_mark:
            problem += f" ({exc.context} started at line {exc.context_mark.line + 1})"
        raise ConfigError(
            f"{source}: invalid YAML{where}: {problem}; fix the YAML syntax"
        ) from None
    except (yaml.YAMLError, OmegaConfBaseException, OSError, ValueError, TypeError) as exc:
        reason = type(exc).__name__
        raise ConfigError(f"{source}: not a YAML config ({reason}); give a YAML mapping") from None
    if loaded is None or isinstance(loaded, str):
        return loaded
    return OmegaConf.to_container(loaded, resolve=False)


def parse_yaml_mapping(text: str, source: str) -> dict[str, Any]:
    """`parse_yaml` for text that must hold a mapping (a config); empty text gives {}."""
    value = parse_yaml(text, source)
    if value is None:
        return {}
    if not isinstance(value, dict):
        kind = "a list" if isinstance(value, list) else "not a mapping"
        raise ConfigError(f"{source}: top level is {kind}; a config is a mapping of sections")
    return value
