"""Archive extraction that refuses members landing outside the target folder."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from connectomics.data.errors import DataError


def is_archive(path: str | Path) -> bool:
    """Whether the file is a zip or tar archive (by content, not by name)."""
    return zipfile.is_zipfile(path) or tarfile.is_tarfile(path)


ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


def check_archive_complete(path: str | Path) -> None:
    """DataError unless an archive (by name or content) reads back whole: zip CRCs, tar blocks."""
    path = Path(path)
    named = path.name.lower().endswith(ARCHIVE_SUFFIXES)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip()
            if bad is not None:
                raise DataError(f"{path} is damaged: member {bad!r} fails its CRC check")
            return
        if tarfile.is_tarfile(path):
            with tarfile.open(path) as tf:
                for member in tf:
                    if member.isfile():
                        handle = tf.extractfile(member)
                        while handle is not None and handle.read(1 << 20):
                            pass
            return
    except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError) as err:
        raise DataError(f"{path} is a truncated or damaged archive ({err})") from None
    if named:
        raise DataError(f"{path} is not a readable archive although its name says so (truncated?)")


def _check_member(name: str, target: Path, archive: Path) -> Path:
    """The member's destination; DataError for absolute paths, '..' or escaping the target."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
        raise DataError(f"archive {archive} member {name!r} would land outside {target}; refused")
    dest = (target / pure).resolve()
    if not dest.is_relative_to(target):
        raise DataError(f"archive {archive} member {name!r} would land outside {target}; refused")
    return dest


def _check_link(member: tarfile.TarInfo, target: Path, archive: Path) -> None:
    """DataError for tar links whose target leaves the extraction folder."""
    if member.issym():
        base = (target / member.name).parent
        link = member.linkname
        dest = (Path(link) if link.startswith("/") else base / link).resolve()
    else:
        dest = (target / member.linkname).resolve()
    if member.linkname.startswith("/") or not dest.is_relative_to(target):
        raise DataError(
            f"archive {archive} member {member.name!r} links to {member.linkname!r} outside "
            f"{target}; refused"
        )


def safe_extract(archive: str | Path, target: str | Path) -> list[Path]:
    """Extract a zip or tar archive into `target` after checking every member; returns files."""
    archive, target = Path(archive), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    target = target.resolve()
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            for info in members:
                _check_member(info.filename, target, archive)
                if (info.external_attr >> 16) & 0o170000 == 0o120000:
                    raise DataError(
                        f"archive {archive} member {info.filename!r} is a symlink; refused"
                    )
            zf.extractall(target)
            return [target / m.filename for m in members if not m.is_dir()]
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            members = tf.getmembers()
            for member in members:
                _check_member(member.name, target, archive)
                if member.issym() or member.islnk():
                    _check_link(member, target, archive)
                elif not (member.isfile() or member.isdir()):
                    raise DataError(
                        f"archive {archive} member {member.name!r} is a device or fifo; refused"
                    )
            tf.extractall(target, filter="data")
            return [target / m.name for m in members if m.isfile()]
    raise DataError(f"{archive} is neither a zip nor a tar archive; cannot extract it")
