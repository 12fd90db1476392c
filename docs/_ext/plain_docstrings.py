"""Read the packages' docstrings as the plain text they are written as.

The project's docstrings are short prose with ``code`` in backticks (single or double), and
they mention shapes such as ``(C, *spatial)`` or ``**options`` outside backticks. Outside code
spans and roles, a bare ``*`` or ``|`` is escaped so that it is shown as written instead of
starting reStructuredText emphasis or a substitution (``default_role = "literal"`` in conf.py
shows single-backtick spans as code).
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx

# Spans left untouched: ``literal``, :role:`target`, `interpreted text` or `link <url>`_.
CODE_SPAN = re.compile(r"(``.+?``|(?::[\w:.-]+:)?`[^`]+`_{0,2})")
MARKUP = re.compile(r"([*|])")


def escape_prose(text: str) -> str:
    """Escape emphasis and substitution characters outside code spans of one line."""
    parts = CODE_SPAN.split(text)
    for i in range(0, len(parts), 2):  # even parts are outside the code spans
        parts[i] = MARKUP.sub(r"\\\1", parts[i])
    return "".join(parts)


def escape_docstring(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """autodoc-process-docstring hook: escape the docstring in place (doctest lines excepted)."""
    for i, line in enumerate(lines):
        if line.lstrip().startswith((">>>", "...")):
            continue
        lines[i] = escape_prose(line)


def setup(app: Sphinx) -> dict[str, Any]:
    """Connect the hook."""
    app.setup_extension("sphinx.ext.autodoc")
    app.connect("autodoc-process-docstring", escape_docstring)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
