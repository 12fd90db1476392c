"""`WriterLock`: one writer per output (prediction store, training run folder).

A lock is a small JSON file created with O_EXCL naming its holder (pid, host, start time).
A second writer gets LockedError naming the holder; a lock left by a dead process on this
host is taken over. Hand-written rather than `filelock` because the error must name the
holder and stale locks must be detected by pid (flock state is not visible to others).
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from connectomics.data.errors import DataError


class LockedError(DataError):
    """Another live process is writing the same output."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


class WriterLock:
    """Exclusive lock file `path`; use as a context manager or with acquire()/release()."""

    def __init__(self, path: str | Path, what: str) -> None:
        self.path = Path(path)
        self.what = what
        self.held = False

    def holder(self) -> dict[str, Any] | None:
        """The holder recorded in the lock file (None when there is none or it is unreadable)."""
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None

    def acquire(self) -> WriterLock:
        """Take the lock, taking over a stale one; LockedError when a live process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self.holder()
                if holder and holder.get("host") == me["host"] and holder.get("pid") == me["pid"]:
                    raise LockedError(
                        f"{self.what} is already being written by this process (lock {self.path})"
                    ) from None
                if self._stale(holder, me["host"]):
                    if self.holder() == holder:  # not taken over by another process meanwhile
                        self.path.unlink(missing_ok=True)
                    continue
                raise LockedError(self._busy_message(holder)) from None
            with os.fdopen(fd, "w") as handle:
                json.dump(me, handle)
            self.held = True
            return self
        raise LockedError(self._busy_message(self.holder()))

    @staticmethod
    def _stale(holder: dict[str, Any] | None, host: str) -> bool:
        if holder is None:  # half-written by a process killed while creating it
            return True
        return holder.get("host") == host and not _alive(int(holder.get("pid", -1)))

    def _busy_message(self, holder: dict[str, Any] | None) -> str:
        who = "another process"
        if holder:
            since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder.get("since", 0)))
            who = f"pid {holder.get('pid')} on host {holder.get('host')} (since {since})"
        return (
            f"{self.what} is being written by {who}; wait for it to finish or choose another "
            f"output; if that process is gone, delete the lock file {self.path}"
        )

    def release(self) -> None:
        """Remove the lock file if this object holds it."""
        if self.held:
            holder = self.holder()
            if holder is None or holder.get("pid") == os.getpid():
                self.path.unlink(missing_ok=True)
            self.held = False

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_path_for(output: str | Path) -> Path:
    """The lock file of an output file or folder: a hidden sibling ending in .lock."""
    output = Path(output)
    return output.with_name(f".{output.name}.lock")
