"""Silence what compiled libraries print on the process's stdout (waterz prints about 14
lines of progress per call from C++), unless CONNECTOMICS_VERBOSE is set (`--verbose`)."""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# set by the command line's --verbose; read here and in worker processes
VERBOSE_ENV = "CONNECTOMICS_VERBOSE"

_lock = threading.Lock()
_depth = 0
_saved: dict[str, object] = {}


def _flush_c_stdio() -> None:
    """Flush C's stdio buffers (C++ iostreams write through them) into the current fd 1."""
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # no C library to call (e.g. an unusual platform)
        pass


@contextmanager
def quiet_native_stdout() -> Iterator[None]:
    """Within the block, writes to stdout (fd 1: compiled code's and Python's print alike; our
    progress bars use stderr) go to a discarded file. Nested and concurrent uses (threads)
    share one redirection."""
    global _depth
    if os.environ.get(VERBOSE_ENV):
        yield
        return
    with _lock:
        if _depth == 0:
            _flush_stdout()
            saved = os.dup(1)
            sink = tempfile.TemporaryFile()
            os.dup2(sink.fileno(), 1)
            _saved.update(saved=saved, sink=sink)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _flush_stdout()
                os.dup2(_saved["saved"], 1)  # type: ignore[arg-type]
                os.close(_saved["saved"])  # type: ignore[arg-type]
                _saved["sink"].close()  # type: ignore[attr-defined]
                _saved.clear()


def _flush_stdout() -> None:
    """Flush Python's and C's stdout buffers into the current fd 1."""
    try:
        sys.stdout.flush()
    except (AttributeError, OSError, ValueError):  # stdout closed or replaced
        pass
    _flush_c_stdio()
