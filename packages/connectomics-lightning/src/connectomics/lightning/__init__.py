"""PyTorch Lightning integration for connectomics."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("connectomics-lightning")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"
