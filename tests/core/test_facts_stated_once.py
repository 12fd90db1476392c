"""Each fact (a name list, a channel count, a default) is written in one module only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

PACKAGES = Path(__file__).resolve().parents[2] / "packages"
SOURCES = sorted(PACKAGES.glob("*/src/connectomics/**/*.py"))


def _modules_matching(pattern: str) -> list[str]:
    """Package-relative paths of the source files in which `pattern` (a regex) occurs."""
    regex = re.compile(pattern)
    return [str(path.relative_to(PACKAGES)) for path in SOURCES if regex.search(path.read_text())]


def test_activation_names_are_written_in_the_schema_only():
    from connectomics.config.schema.inference import Activation
    from connectomics.config.target_specs import ACTIVATIONS
    from connectomics.data.inference.activation import FUNCTIONS

    assert ACTIVATIONS == get_args(Activation)
    assert tuple(FUNCTIONS) == get_args(Activation)
    # a tuple or Literal listing "sigmoid" next to "tanh": only the schema's Literal
    listed = _modules_matching(r"\"sigmoid\",\s*\"softmax\",\s*\"tanh\"")
    assert listed == ["connectomics-core/src/connectomics/config/schema/inference.py"]


def test_target_transforms_state_no_channel_count():
    """Channel counts come from the target specs (TargetLayout), never from a transform."""
    targets = "connectomics-data/src/connectomics/data/targets/"
    assert [m for m in _modules_matching(r"num_channels") if m.startswith(targets)] == []
