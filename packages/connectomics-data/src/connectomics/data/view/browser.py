"""A headless Chromium (the system's, never a downloaded one) pointed at a viewer URL."""

from __future__ import annotations

import shutil
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
    with tempfile.TemporaryDirectory(prefix="connectomics-chromium-") as profile:
        command = [
            binary,
            *HEADLESS_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={size[0]},{size[1]}",
        ]
        if port is not None:
            command.append(f"--remote-debugging-port={port}")
        process = subprocess.Popen(
            [*command, url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
