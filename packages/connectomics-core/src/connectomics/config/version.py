"""The installed version of one connectomics distribution."""

from importlib.metadata import PackageNotFoundError, version


def distribution_version(dist: str) -> str:
    """`dist`'s installed version, or '0+unknown' when running from an uninstalled source tree."""
    try:
        return version(dist)
    except PackageNotFoundError:
        return "0+unknown"
