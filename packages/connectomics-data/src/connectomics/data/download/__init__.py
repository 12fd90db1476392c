"""Public EM datasets: a registry and a resuming, verifying, safely extracting download."""

from connectomics.data.download.cache import cache_dir, cached_download, split_checksum
from connectomics.data.download.dataset import download, verify
from connectomics.data.download.extract import safe_extract
from connectomics.data.download.fetch import fetch, sha256_of
from connectomics.data.download.registry import DATASETS, DatasetEntry

__all__ = [
    "DATASETS",
    "DatasetEntry",
    "cache_dir",
    "cached_download",
    "download",
    "split_checksum",
    "fetch",
    "safe_extract",
    "sha256_of",
    "verify",
]
