"""The project's Lightning API page (docs/lightning-module-api.rst), whose examples the tests run."""

from __future__ import annotations

import textwrap
from pathlib import Path

API_PAGE = Path(__file__).resolve().parents[1] / "docs" / "lightning-module-api.rst"


def code_blocks(language: str, page: Path = API_PAGE) -> list[str]:
    """Bodies of the page's `.. code-block:: <language>` directives, dedented, in page order."""
    lines = page.read_text().splitlines()
    blocks = []
    for i, line in enumerate(lines):
        if line.strip() != f".. code-block:: {language}":
            continue
        indent = len(line) - len(line.lstrip())
        body: list[str] = []
        for follow in lines[i + 1 :]:
            if follow.strip() and len(follow) - len(follow.lstrip()) <= indent:
                break
            body.append(follow)
        blocks.append(textwrap.dedent("\n".join(body)).strip("\n") + "\n")
    return blocks
