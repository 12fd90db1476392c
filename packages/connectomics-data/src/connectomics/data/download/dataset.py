"""download(name, to=...): fetch, verify, extract and arrange one registered dataset."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from connectomics.data.download.arrange import arrange
from connectomics.data.download.extract import check_archive_complete, is_archive, safe_extract
from connectomics.data.download.fetch import fetch, sha256_of
from connectomics.data.download.registry import DATASETS, DatasetEntry
from connectomics.data.errors import DataError

CHECKSUM_RECORD = ".checksums.json"


def _entry(name: str) -> DatasetEntry:
    """The registry entry, or a DataError listing the known names."""
    if name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[name]


def _expected_hash(entry: DatasetEntry, root: Path) -> str | None:
    """The registry's sha256, else the one recorded by an earlier download into `root`."""
    if entry.sha256:
        return entry.sha256
    record = root / CHECKSUM_RECORD
    if record.exists():
        return json.loads(record.read_text()).get(entry.name)
    return None


def _record_hash(entry: DatasetEntry, root: Path, digest: str) -> None:
    """Store the hash of a first download (trust on first use) in {root}/.checksums.json."""
    record = root / CHECKSUM_RECORD
    known = json.loads(record.read_text()) if record.exists() else {}
    known[entry.name] = digest
    record.write_text(json.dumps(known, indent=2, sort_keys=True) + "\n")


def verify(path: Path, expected: str, recorded: Path | None = None) -> None:
    """DataError naming both hashes when the file's sha256 differs; the file is quarantined.

    `recorded` is the record file when `expected` came from an earlier download there.
    """
    actual = sha256_of(path)
    if actual != expected.lower():
        bad = path.with_name(path.name + ".bad")
        path.replace(bad)
        hint = (
            f"; the expected hash was recorded by an earlier download in {recorded}: if that "
            "download was bad, remove its entry there"
            if recorded is not None
            else ""
        )
        raise DataError(
            f"checksum mismatch for {path.name}: expected sha256 {expected}, got {actual}; "
            f"the file was moved to {bad}: delete it and download again{hint}"
        )


def download(
    name: str,
    to: str | Path = "datasets",
    force: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:
    """Download dataset `name` into {to}/{folder}; returns that folder.

    Resumes an interrupted download, checks the sha256 (the registry's, else the one recorded
    on the first download into `to`), extracts archives safely and arranges the files as the
    tutorial configs expect. An existing complete folder is returned as is unless `force`.
    """
    entry = _entry(name)
    root = Path(to)
    folder = root / entry.folder
    if not force and all((root / f).exists() for f in entry.files):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    file = fetch(entry.url, folder / entry.filename, progress=progress)  # complete per length
    expected = _expected_hash(entry, root)
    if expected:
        verify(file, expected, None if entry.sha256 else root / CHECKSUM_RECORD)
    else:
        # trust on first use only for a file that reads back whole: never record a bad hash
        try:
            check_archive_complete(file)
        except DataError:
            file.unlink()
            raise
        digest = sha256_of(file)
        _record_hash(entry, root, digest)
        print(
            f"{entry.name}: no published sha256; recorded sha256 {digest} of this first "
            f"download in {root / CHECKSUM_RECORD} (later downloads there must match it)"
        )
    if is_archive(file):
        safe_extract(file, folder)
        file.unlink()
    arrange(folder, entry.arrange)
    return folder
