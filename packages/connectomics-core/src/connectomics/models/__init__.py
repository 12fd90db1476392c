"""Model registry: MONAI networks and an EM residual U-Net."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("connectomics-core")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"
