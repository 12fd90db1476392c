"""waterz's progress lines (C++ and its wrapper's prints) stay off stdout unless --verbose
(fd-level capture); stdout works again after the call."""

from __future__ import annotations

import subprocess
import sys

import pytest

from connectomics.cli import quiet
from connectomics.data import native_output

SCRIPT = """
import numpy as np
from connectomics.data.decoding.affinity_waterz import affinity_waterz
affs = np.random.default_rng(0).random((3, 4, 16, 16)).astype(np.float32)
labels = affinity_waterz(affs, threshold=0.5)
print("ours", int(labels.max() > 0))
"""


def _run(env_extra: dict[str, str]) -> str:
    import os

    env = {k: v for k, v in os.environ.items() if k != native_output.VERBOSE_ENV}
    env.update(env_extra)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout


@pytest.mark.slow  # a fresh process or a long run: kept out of the README suite's 5 minutes
def test_waterz_prints_nothing_by_default_and_everything_when_verbose():
    quiet_lines = _run({}).splitlines()
    assert quiet_lines == ["ours 1"]
    verbose_lines = _run({native_output.VERBOSE_ENV: "1"}).splitlines()
    assert verbose_lines[-1] == "ours 1" and len(verbose_lines) > 3  # waterz's own lines


def test_native_writes_are_discarded_and_stdout_comes_back(capfd):
    import os

    with native_output.quiet_native_stdout():
        os.write(1, b"from native code\n")
    print("after", flush=True)
    out = capfd.readouterr().out
    assert "from native code" not in out and "after" in out


def test_verbose_flag_sets_the_variable_the_data_layer_reads(monkeypatch):
    monkeypatch.delenv(native_output.VERBOSE_ENV, raising=False)
    quiet.quiet(verbose=True)
    import os

    assert quiet.VERBOSE_ENV == native_output.VERBOSE_ENV and quiet.is_verbose()
    assert os.environ.pop(native_output.VERBOSE_ENV) == "1"


def test_progress_bar_only_where_someone_watches(monkeypatch):
    """A log file or pipe gets no training bar (each redraw would stay as a line)."""
    import io

    from connectomics.config import load_config
    from connectomics.lightning.trainer import show_progress_bar

    cfg = load_config("lucchi")

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert not show_progress_bar(cfg)
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert show_progress_bar(cfg)
    cfg.logging.progress_bar = False
    assert not show_progress_bar(cfg)
