"""Where connectomics keeps its caches (downloads, registry listings)."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "CONNECTOMICS_CACHE"


def cache_dir() -> Path:
    """Root of connectomics' caches: $CONNECTOMICS_CACHE, else ~/.cache/connectomics."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "connectomics")
