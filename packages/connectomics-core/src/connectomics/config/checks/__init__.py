"""Cross-field checks of a config, one concern per module; `validate_config` runs them all."""
