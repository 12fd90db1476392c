"""docs/extending.rst: its example registers a target and an augmentation and prints what the
page says it prints."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from connectomics.config.errors import ConfigError
from connectomics.config.target_specs import TARGET_SPECS
from connectomics.data.augment.registry import AUGMENTATION_REGISTRY, CUSTOM_SECTIONS
from connectomics.data.targets import TARGET_REGISTRY
from tests.api_page import code_blocks

PAGE = Path(__file__).resolve().parents[2] / "docs" / "extending.rst"


def _expected_output(block: str) -> list[str]:
    """The `# ...` comment that follows each print() of the block (same or next line)."""
    lines = block.splitlines()
    expected = []
    for i, line in enumerate(lines):
        if not line.startswith("print("):
            continue
        trailing = re.search(r"\)\s+#\s(.*)$", line)
        expected.append(trailing.group(1) if trailing else lines[i + 1].lstrip("# ").rstrip())
    return expected


@pytest.fixture
def clean_registries():
    """Remove what the example registers, so other tests see the built-ins only."""
    yield
    for registry in (TARGET_REGISTRY, TARGET_SPECS):
        registry.pop("edge_distance", None)
    for registry in (AUGMENTATION_REGISTRY, CUSTOM_SECTIONS):
        registry.pop("invert", None)


def test_extending_example_runs_and_prints_what_the_page_says(clean_registries):
    (block,) = code_blocks("python", PAGE)
    out = io.StringIO()
    namespace: dict = {}
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(PAGE), "exec"), namespace)
    assert out.getvalue().splitlines() == _expected_output(block)
    assert _expected_output(block)[0] == "edge_distance: 2 ['sigmoid', 'sigmoid'] [True, False]"
    # the error the page quotes
    text = " ".join(PAGE.read_text().split())
    with pytest.raises(ConfigError) as error:
        namespace["load_config"](
            "demo", overrides=["data.targets=[{name: edge_distance}]", "model.out_channels=1"]
        )
    message = str(error.value).split(": ", 1)[1]
    assert message in text
