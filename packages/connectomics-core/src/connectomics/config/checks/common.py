"""The error with a fix, shared by the schema's validators and the registered checks."""

from __future__ import annotations

from connectomics.config.errors import ConfigError


def fail(key: str, problem: str, fix: str) -> ConfigError:
    """ConfigError reading `key: problem; fix`."""
    return ConfigError(f"{key}: {problem}; {fix}")
