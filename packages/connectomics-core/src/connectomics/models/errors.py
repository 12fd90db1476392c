"""The config error raised for a user's bad model or loss settings."""

from __future__ import annotations

from connectomics.config.errors import ConfigError


def config_error(message: str) -> ConfigError:
    """A `connectomics.config.errors.ConfigError` (a ValueError) carrying `message`."""
    return ConfigError(message)
