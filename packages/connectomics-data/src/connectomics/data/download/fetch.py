"""HTTP downloads that resume a partial .part file and sha256 hashing."""

from __future__ import annotations

import hashlib
import http.client
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from connectomics.data.errors import DataError

CHUNK = 1 << 20


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(
    url: str,
    dest: str | Path,
    timeout: float = 60.0,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:
    """Download `url` to `dest` via `dest`.part, resuming a partial .part with a Range request.

    When the server ignores the Range header (answers 200), the .part file is restarted.
    `progress(bytes_done, bytes_total or None)` is called after every block (a progress bar).
    """
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:  # the .part already holds the whole file
            part.replace(dest)
            return dest
        raise DataError(f"download of {url} failed: HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError) as err:
        raise DataError(
            f"download of {url} failed: {getattr(err, 'reason', err)}; check the network "
            f"connection{_partial_note(part)}"
        ) from None
    with response:
        dest.parent.mkdir(parents=True, exist_ok=True)  # only once the server answered
        resumed = bool(have) and response.status == 206
        done = have if resumed else 0
        expected = _expected_size(response, done)
        try:
            with open(part, "ab" if resumed else "wb") as out:
                if progress is None:
                    shutil.copyfileobj(response, out, CHUNK)
                else:
                    for block in iter(lambda: response.read(CHUNK), b""):
                        out.write(block)
                        done += len(block)
                        progress(done, expected)
        except (OSError, http.client.HTTPException) as err:
            raise DataError(f"download of {url} broke off ({err}){_partial_note(part)}") from None
    size = part.stat().st_size
    if expected is not None and size != expected:
        raise DataError(
            f"download of {url} is incomplete: {size} of {expected} bytes; the partial file "
            f"stays at {part} and is resumed next time (run the download again)"
        )
    part.replace(dest)
    return dest


def _partial_note(part: Path) -> str:
    """Where the partial file stays, only when there is one (an empty one is removed)."""
    if part.exists() and part.stat().st_size == 0:
        part.unlink()
    if not part.exists():
        return ""
    return f" (the partial file {part} stays and is resumed next time)"


def _expected_size(response: Any, offset: int) -> int | None:
    """Full file size announced by the server (Content-Range total or offset + Length)."""
    content_range = response.headers.get("Content-Range") or ""
    total = content_range.rpartition("/")[2]
    if total.isdigit():
        return int(total)
    length = response.headers.get("Content-Length")
    return offset + int(length) if length and length.isdigit() else None
