"""Typed configuration: OmegaConf composition, one pydantic validation into `Config`."""

from connectomics.config.errors import ConfigError
from connectomics.config.load import create_config, load_config
from connectomics.config.packaged_tutorials import list_tutorials
from connectomics.config.schema import Config
from connectomics.config.schema.outputs import output_activations
from connectomics.config.serialize import config_hash, save_config, to_yaml
from connectomics.config.validation import validate_config
from connectomics.config.version import distribution_version

__version__ = distribution_version("connectomics-core")

__all__ = [
    "Config",
    "ConfigError",
    "config_hash",
    "create_config",
    "list_tutorials",
    "load_config",
    "output_activations",
    "save_config",
    "to_yaml",
    "validate_config",
]
