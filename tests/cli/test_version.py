"""`connectomics --version` names every distribution's version."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from connectomics.cli.main import main


def test_version_lists_the_four_distributions(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for dist in ("cli", "lightning", "data", "core"):
        assert f"connectomics-{dist} {version(f'connectomics-{dist}')}" in out
