"""Sphinx directive ``dataset-reference``: every entry of the download registry.

Each entry's source, licence, the files it yields (the layout ``--to`` holds afterwards) and
where a file fetched by hand goes come from ``connectomics.data.download.DATASETS`` at build
time, so the page and ``connectomics download`` say the same.
"""

from __future__ import annotations

import inspect
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles


def entry_rst(entry: Any) -> list[str]:
    """One registry entry as reStructuredText lines."""
    title = entry.name
    layout = "\n".join(
        f"   datasets/{name}   {shape}" for name, shape in zip(entry.files, entry.shapes.values())
    )
    return [
        title,
        "~" * len(title),
        "",
        f"{entry.description}. Licence: {entry.license}. Voxel size (z, y, x): "
        f"{entry.voxel_size_nm} nm." + (f" Home page: {entry.homepage}" if entry.homepage else ""),
        "",
        f"* Source: ``{entry.url}`` (saved as ``{entry.filename}``); sha256: "
        + (
            f"``{entry.sha256}``"
            if entry.sha256
            else "none published (the first download's is recorded)"
        ),
        f"* By hand: {entry.by_hand().replace('`', '``')}.",
        "* Layout of ``--to datasets`` afterwards (array shapes z, y, x):",
        "",
        ".. code-block:: text",
        "",
        layout,
        "",
    ]


class DatasetReference(SphinxDirective):
    """Render each entry of the download registry."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Read the registry and render its entries."""
        from connectomics.data.download import registry

        lines: list[str] = []
        for entry in registry.DATASETS.values():
            lines += entry_rst(entry)
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(
            self.state, StringList(lines, source="dataset-reference"), container
        )
        self.env.note_dependency(inspect.getsourcefile(registry))
        return container.children


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive."""
    app.add_directive("dataset-reference", DatasetReference)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
