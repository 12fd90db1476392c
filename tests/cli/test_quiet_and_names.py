"""Quiet commands by default, threads from the free cores, config names past same-named folders."""

from __future__ import annotations

import logging
import warnings

import pytest

from connectomics.cli import quiet, threads
from connectomics.config.errors import ConfigError
from connectomics.config.locate import locate_config


def test_quiet_hides_lightning_info_and_deprecations_unless_verbose():
    logger = logging.getLogger("pytorch_lightning.utilities.rank_zero")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        quiet.quiet(verbose=False)
        warnings.warn("`isinstance(treespec, LeafSpec)` is deprecated", UserWarning, stacklevel=1)
        warnings.warn("old api", DeprecationWarning, stacklevel=1)
        warnings.warn("a real problem", UserWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == ["a real problem"]
    assert not logger.isEnabledFor(logging.INFO)
    assert quiet.split_verbose(["train", "--verbose", "--config", "x"]) == (
        ["train", "--config", "x"],
        True,
    )
    logger.setLevel(logging.NOTSET)


def test_threads_follow_the_free_cores(monkeypatch):
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (1.0, 0.0, 0.0))
    assert threads.free_cores() == 1
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (0.1, 0.0, 0.0))
    assert threads.free_cores() == 2
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (9.0, 0.0, 0.0))
    assert threads.free_cores() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert threads.default_threads() is None


def test_packaged_tutorial_found_beside_a_folder_of_its_name(tmp_path):
    (tmp_path / "demo").mkdir()
    assert locate_config("demo", base_dir=tmp_path).name == "demo.yaml"
    (tmp_path / "mine.yaml").write_text("{}\n")
    assert locate_config("mine.yaml", base_dir=tmp_path) == (tmp_path / "mine.yaml").resolve()


def test_a_name_that_is_a_local_file_and_a_tutorial_is_one_error(tmp_path):
    (tmp_path / "lucchi.yaml").write_text("{}\n")
    with pytest.raises(ConfigError, match="ambiguous.*lucchi.yaml.*packaged tutorial"):
        locate_config("lucchi", base_dir=tmp_path)
