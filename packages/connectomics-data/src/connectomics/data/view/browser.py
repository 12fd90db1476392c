"""A headless Chromium (the system's, never a downloaded one) pointed at a viewer URL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from connectomics.data.errors import DataError

# names of the Chromium binary in Debian, Ubuntu and other distributions
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# headless flags that work in containers without a GPU; WebGL renders through SwiftShader
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def find_chromium() -> str:
    """Path of the system's Chromium; a DataError says how to install it when none is found."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise DataError(
        "--screenshot needs Chromium and none was found on PATH; install it "
        "(Debian/Ubuntu: apt-get install chromium) or serve without --screenshot"
    )


@contextmanager
def headless_chromium(
    url: str, size: tuple[int, int] = (1280, 960), port: int | None = None
) -> Iterator[subprocess.Popen]:
    """Run headless Chromium on `url` (own empty profile) until the block ends.

    `port` opens the DevTools protocol on that port (for tests that read the page's state).
    """
    binary = find_chromium()
    # Chromium's helper processes may still write to the profile for a moment after the group
    # is killed; a leftover temporary profile is no reason to fail a finished screenshot.
    with tempfile.TemporaryDirectory(
        prefix="connectomics-chromium-", ignore_cleanup_errors=True
    ) as profile:
        command = [
            binary,
            *HEADLESS_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={size[0]},{size[1]}",
        ]
        if port is not None:
            command.append(f"--remote-debugging-port={port}")
        # its own session: the renderer and GPU helpers are stopped with it, as one group
        process = subprocess.Popen(
            [*command, url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            _stop_group(process)


def _stop_group(process: subprocess.Popen) -> None:
    """Terminate a process and the rest of its group (SIGKILL after 10 s)."""
    _signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    _signal_group(process, signal.SIGKILL)  # helpers that outlive the main process, or it
    process.wait()


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:  # the whole group has exited
        pass
