"""The connectomics command line."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("connectomics-cli")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"
