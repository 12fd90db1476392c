"""Loss registry, multi-loss routing and deep supervision."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("connectomics-core")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"
