"""Sphinx directive ``cli-reference``: the help of every ``connectomics`` subcommand.

The text is produced at build time by the CLI's own argparse parser
(``connectomics.cli.main.build_parser``), so the page shows exactly what ``--help`` prints.
"""

from __future__ import annotations

import argparse
import inspect
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

HELP_WIDTH = "92"


@contextmanager
def help_width(columns: str) -> Iterator[None]:
    """Fix argparse's wrapping width (it reads $COLUMNS) so the page does not depend on a tty."""
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = columns
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Name -> parser of every subcommand, in the order they were added."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def literal(text: str) -> list[str]:
    """A text block in reStructuredText lines."""
    return [".. code-block:: text", ""] + [f"   {line}" for line in text.rstrip().splitlines()]


def reference_rst(parser: argparse.ArgumentParser) -> list[str]:
    """The whole command-line reference as reStructuredText lines."""
    with help_width(HELP_WIDTH):
        out = literal(parser.format_help()) + [""]
        for name, sub in subcommands(parser).items():
            title = f"connectomics {name}"
            out += [f".. _cli-{name}:", "", title, "~" * len(title), ""]
            out += literal(sub.format_help()) + [""]
    return out


class CliReference(SphinxDirective):
    """Render ``connectomics --help`` and the help of each subcommand."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Build the parser and render its help texts."""
        from connectomics.cli import main as cli_main

        lines = reference_rst(cli_main.build_parser())
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, StringList(lines, source="cli-reference"), container)
        self.env.note_dependency(inspect.getsourcefile(cli_main))
        return container.children


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive."""
    app.add_directive("cli-reference", CliReference)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
