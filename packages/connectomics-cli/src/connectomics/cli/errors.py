"""Mapping of user errors to one printed line and exit code 2."""

from __future__ import annotations

import errno
import re
import sys
from collections.abc import Callable
from typing import Any

from connectomics.config.errors import ConfigError
from connectomics.data.errors import DataError

USER_ERROR_EXIT = 2


def user_error_types() -> tuple[type[BaseException], ...]:
    """Exception types that mean the user gave bad input (not a bug)."""
    # imported here, not at the top: connectomics.lightning pulls in torch and Lightning, which
    # a command that fails early (or `--help`) never needs
    from connectomics.lightning.errors import CheckpointError, NonFiniteError

    return (
        FileNotFoundError,
        FileExistsError,
        PermissionError,
        ConfigError,
        DataError,
        CheckpointError,
        NonFiniteError,
    )


# Environment faults a user fixes (free space, pick a writable folder), not bugs.
_DISK_ERRORS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
}


_CHANNELS = re.compile(r"expected input\[[^\]]*\] to have (\d+) channels, but got (\d+)")
_MEMORY = ("out of memory", "can't allocate memory", "cannot allocate memory")


def runtime_error_message(exc: BaseException) -> str | None:
    """One line for a channel mismatch or an out-of-memory error a user can fix, else None."""
    text = str(exc)
    match = _CHANNELS.search(text)
    if match:
        want, got = match.groups()
        return (
            f"the input volume has {got} channel(s) but the model takes {want} "
            f"(model.in_channels={want}); give a {want}-channel volume or a checkpoint "
            f"trained with model.in_channels={got}"
        )
    if isinstance(exc, MemoryError) or any(m in text.lower() for m in _MEMORY):
        first = text.splitlines()[0][:200] if text else type(exc).__name__
        return (
            f"out of memory ({first}); lower inference.batch_size / inference.window_size "
            "(prediction) or data.batch_size / data.patch_size (training)"
        )
    return None


def disk_error_message(exc: OSError) -> str | None:
    """One line for a full or read-only disk (naming the file when known), else None."""
    reason = _DISK_ERRORS.get(exc.errno or -1)
    if reason is None:
        return None
    text = " ".join(str(exc).split())
    if exc.filename and str(exc.filename) not in text:
        text = f"{text} ({exc.filename})"
    return f"{reason}: {text}; free space or write to another folder (e.g. logging.save_dir=...)"


def _one_line_warnings(original: Callable[..., None]) -> Callable[..., None]:
    """showwarning that prints the project's data warnings as one `warning: ...` line."""

    def show(message: Any, category: type, filename: str, lineno: int, *rest: Any) -> None:
        if category.__module__.startswith("connectomics."):
            print(f"warning: {' '.join(str(message).split())}", file=sys.stderr)
        else:
            original(message, category, filename, lineno, *rest)

    return show


def user_message(exc: BaseException) -> str:
    """The error's message on one line; an error re-raised from a DataLoader worker keeps only
    its original message, not the worker's traceback."""
    text = str(exc)
    if "Original Traceback" in text:
        last = [line for line in text.strip().splitlines() if line.strip()][-1]
        prefix = f"{type(exc).__name__}: "
        text = last.split(prefix, 1)[1] if prefix in last else last
    return " ".join(text.split()) or type(exc).__name__


def run_guarded(fn: Callable[[Any], int | None], args: Any) -> int:
    """Run a command; a user error prints `error: ...` on one line and returns 2."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warnings(warnings.showwarning)
            code = fn(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except user_error_types() as exc:
        msg = user_message(exc)
        print(f"error: {msg}", file=sys.stderr)
        return USER_ERROR_EXIT
    except OSError as exc:
        message = disk_error_message(exc)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return USER_ERROR_EXIT
    except (RuntimeError, MemoryError) as exc:
        message = runtime_error_message(exc)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return USER_ERROR_EXIT
    return int(code or 0)
