"""Path parsing ("file.h5:key") and format detection by suffix."""

from __future__ import annotations

import re
from pathlib import Path

from connectomics.data.errors import DataError

FORMATS = {
    ".h5": "hdf5",
    ".hdf5": "hdf5",
    ".hdf": "hdf5",
    ".zarr": "zarr",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".npy": "npy",
    ".png": "png",
}
_KEYED = re.compile(r"^(?P<path>.*?\.(?:h5|hdf5|hdf|zarr))(?::(?P<key>[^:]+))?/?$", re.I)


def split_key(path: str | Path, key: str | None = None) -> tuple[str, str | None]:
    """Split "file.h5:key" into (file, key); an explicit ``key`` argument wins."""
    text = str(path)
    match = _KEYED.match(text)
    if match and match.group("key"):
        return match.group("path"), key if key is not None else match.group("key")
    return text, key


def detect_format(path: str | Path, must_exist: bool = True) -> str:
    """Return the format name of ``path`` ("hdf5", "zarr", "tiff", "npy" or "png")."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    if path.is_dir():
        if (path / ".zarray").exists() or (path / "zarr.json").exists():
            return "zarr"
        return "png"
    if not suffix and not must_exist:
        return "png"
    raise DataError(
        f"cannot tell the format of {str(path)!r}: use a .h5/.hdf5, .zarr, .tif/.tiff or .npy "
        "file, or a folder of .png slices"
    )


def require_exists(path: str | Path) -> Path:
    """Return ``path`` as a Path, raising a DataError that names it when it is missing."""
    path = Path(path)
    if not path.exists():
        hint = ""
        if ":" in path.name:
            hint = " (a dataset key goes after the file name, as in 'volume.h5:raw')"
        raise DataError(f"volume file {str(path)!r} does not exist; check the path{hint}")
    return path


def natural_key(name: str) -> list[int | str]:
    """Sort key that orders 'slice2' before 'slice10'."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]
