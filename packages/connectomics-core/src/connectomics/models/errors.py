"""The config error raised for a user's bad model or loss settings."""

from __future__ import annotations


def config_error(message: str) -> ValueError:
    """A `connectomics.config.errors.ConfigError` (a ValueError) carrying `message`."""
    try:
        from connectomics.config.errors import ConfigError
    except ImportError:  # the config package predates its errors module
        return ValueError(message)
    return ConfigError(message)
