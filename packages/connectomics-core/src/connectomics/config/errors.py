"""The one exception type for a user's configuration mistakes."""


class ConfigError(ValueError):
    """A bad config file, key, value or override; the message names the file, key and fix."""
