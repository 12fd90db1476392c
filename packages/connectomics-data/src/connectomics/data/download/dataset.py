"""download(name, to=...): fetch, verify, extract and arrange one registered dataset."""

from __future__ import annotations

import json
import shutil
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
    source: str | Path | None = None,
) -> Path:
    """Download dataset `name` into {to}/{folder}; returns that folder.

    Resumes an interrupted download, checks the sha256 (the registry's, else the one recorded
    on the first download into `to`), extracts archives safely and arranges the files as the
    tutorial configs expect. `source` is a folder holding the file fetched elsewhere (the
    entry's filename), used instead of the network; a file already placed as
    {to}/{folder}/{filename} is used the same way. Either is verified as a download. An
    existing folder is returned as is unless `force`, once its files match the hashes
    recorded when they were made (a truncated or damaged file is an error).
    """
    entry = _entry(name)
    root = Path(to)
    folder = root / entry.folder
    if not force and _ready(entry, root):
        return folder
    if force:  # made again from the download: arranging keeps a target that exists
        for name in entry.files:
            (root / name).unlink(missing_ok=True)
    created = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        _download_into(entry, root, folder, progress, source)
    except BaseException:
        for made in created:  # deepest first: leave no empty folder behind
            if made.is_dir() and not any(made.iterdir()):
                made.rmdir()
        raise
    return folder


def _download_into(
    entry: DatasetEntry,
    root: Path,
    folder: Path,
    progress: Callable[[int, int | None], None] | None,
    source: str | Path | None,
) -> None:
    """Fetch (or take from `source`), verify, extract and arrange, then record the files."""
    target = folder / entry.filename
    if source is not None:
        given = Path(source) / entry.filename
        if not given.is_file():
            raise DataError(f"{source} holds no {entry.filename}: {entry.by_hand(str(root))}")
        folder.mkdir(parents=True, exist_ok=True)
        _check(entry, root, given, keep=True)  # the user's file is named, never moved
        shutil.copyfile(given, target)
        file = target
    else:
        if target.is_file():  # placed by hand (or left complete by an interrupted run)
            file = target
        else:
            try:
                file = fetch(entry.url, target, progress=progress)  # complete per length
            except DataError as error:
                raise DataError(f"{error}; without a network: {entry.by_hand(str(root))}") from None
        _check(entry, root, file, keep=False)
    if is_archive(file):
        safe_extract(file, folder)
        file.unlink()
    arrange(folder, entry.arrange)
    _record_files(entry, root)


def _check(entry: DatasetEntry, root: Path, file: Path, keep: bool) -> None:
    """Verify `file` by the registry's or the recorded sha256, else (trust on first use) check
    that it reads back whole and record its hash. A bad file is quarantined or deleted unless
    `keep` (a file the user handed in stays where it is)."""
    expected = _expected_hash(entry, root)
    recorded = None if entry.sha256 else root / CHECKSUM_RECORD
    if expected and keep:
        actual = sha256_of(file)
        if actual != expected.lower():
            raise DataError(
                f"checksum mismatch for {file}: expected sha256 {expected}, got {actual}; "
                "fetch it again"
                + (f" (the expected hash was recorded in {recorded})" if recorded else "")
            )
    elif expected:
        verify(file, expected, recorded)
    else:
        # trust on first use only for a file that reads back whole: never record a bad hash
        try:
            check_archive_complete(file)
        except DataError:
            if not keep:
                file.unlink()
            raise
        digest = sha256_of(file)
        _record_hash(entry, root, digest)
        print(
            f"{entry.name}: no published sha256; recorded sha256 {digest} of this first "
            f"download in {root / CHECKSUM_RECORD} (later downloads there must match it)"
        )


def _files_key(entry: DatasetEntry) -> str:
    return f"{entry.name} files"


def _record_files(entry: DatasetEntry, root: Path) -> None:
    """Record the sha256 of every file the download made, for the readiness check."""
    record = root / CHECKSUM_RECORD
    known = json.loads(record.read_text()) if record.exists() else {}
    known[_files_key(entry)] = {f: sha256_of(root / f) for f in entry.files}
    record.write_text(json.dumps(known, indent=2, sort_keys=True) + "\n")


def _ready(entry: DatasetEntry, root: Path) -> bool:
    """Whether the dataset's files are all there and match the hashes recorded when they
    were made; DataError naming a file that does not (truncated, damaged or replaced).
    Files placed by hand in the final layout, with no record, are taken as they are."""
    if not all((root / f).exists() for f in entry.files):
        return False
    record = root / CHECKSUM_RECORD
    known = json.loads(record.read_text()).get(_files_key(entry), {}) if record.exists() else {}
    for name, digest in known.items():
        path = root / name
        if path.exists() and sha256_of(path) != digest:
            raise DataError(
                f"{path} differs from the file the download of {entry.name} made (sha256 "
                f"recorded in {record}): truncated, damaged or replaced; run "
                f"`connectomics download {entry.name} --to {root} --force` to make it again"
            )
    return True
