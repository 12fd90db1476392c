"""A checksum-addressed download cache for single files (e.g. published model weights)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from connectomics.config.cache_root import CACHE_ENV, cache_dir
from connectomics.data.download.fetch import fetch, sha256_of
from connectomics.data.errors import DataError

__all__ = ["CACHE_ENV", "cache_dir", "cached_download", "split_checksum"]


def split_checksum(url: str) -> tuple[str, str | None]:
    """(url, sha256) from "https://host/file.ckpt#sha256=<hex>"; sha256 is None without one."""
    base, _, fragment = url.partition("#")
    if fragment.startswith("sha256="):
        return base, fragment[len("sha256=") :].lower()
    return url, None


def cached_download(url: str, sha256: str, folder: str | Path | None = None) -> Path:
    """The file at `url`, downloaded once into {cache}/weights/{sha256}/ and verified.

    A cached file is re-hashed before use; a download whose sha256 differs is quarantined
    (renamed *.bad) and raises DataError naming both hashes.
    """
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256.lower()):
        raise DataError(f"{sha256!r} is not a sha256 hex digest (64 hex characters)")
    sha256 = sha256.lower()
    root = Path(folder) if folder is not None else cache_dir() / "weights"
    name = Path(urlparse(url).path).name or "download"
    dest = root / sha256 / name
    if not dest.exists():
        fetch(url, dest)
    actual = sha256_of(dest)
    if actual != sha256:
        bad = dest.with_name(dest.name + ".bad")
        dest.replace(bad)
        raise DataError(
            f"checksum mismatch for {url}: expected sha256 {sha256}, got {actual}; "
            f"the file was moved to {bad}"
        )
    return dest
