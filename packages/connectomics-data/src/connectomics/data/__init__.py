"""Volume IO, targets, augmentation, datasets, inference and decoding."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("connectomics-data")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"
