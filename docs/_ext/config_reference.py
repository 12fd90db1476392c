"""Sphinx directive ``config-reference``: tables of every config key, read from the schema.

Types (with their ``Literal`` choices and numeric constraints) and defaults come from the
pydantic models of ``connectomics.config.schema.Config``; the meaning of a key is the comment written above its field in the schema source (read with
``ast``), so the page cannot drift from the code. Keys whose field has no comment take their
meaning from ``config_meanings.MEANINGS``; a key with neither, or a MEANINGS entry for a key that
no longer exists, is a build warning (an error under ``-W``).
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import sys
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Annotated, Any, Literal

from annotated_types import Ge, Gt, Le, Lt
from config_meanings import MEANINGS, meaning_of
from docutils import nodes
from docutils.statemachine import StringList
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)
# Schema comments may start with a note for the developers ("Added:", "Added by the inference
# engine:") that says when a field appeared, not what it means.
CONTRACT_NOTE = re.compile(r"^Added(?: by [^:]+)?:\s*")


@dataclass
class KeyDoc:
    """One documented config key."""

    key: str
    type: str
    default: str
    meaning: str


def field_comments(cls: type) -> dict[str, str]:
    """Comment block written directly above each field of a section class, keyed by field name."""
    module = sys.modules[cls.__module__]
    lines = inspect.getsource(module).splitlines()
    tree = ast.parse("\n".join(lines))
    comments: dict[str, str] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.ClassDef) and node.name == cls.__name__):
            continue
        for stmt in node.body:
            if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
                continue
            block: list[str] = []
            row = stmt.lineno - 2  # the line above the field, 0-based
            while row >= 0 and lines[row].strip().startswith("#"):
                block.insert(0, lines[row].strip().lstrip("#:").strip())
                row -= 1
            if block:
                comments[stmt.target.id] = CONTRACT_NOTE.sub("", " ".join(block))
    return comments


def rst_escape(text: str) -> str:
    """Plain comment text made safe for reStructuredText (no accidental markup)."""
    for char in "\\*`|_":
        text = text.replace(char, "\\" + char)
    return text


def _constraints(metadata: list[Any]) -> str:
    """Numeric bounds of Annotated metadata as text: '>= 1', '> 0' or 'in [0, 1)'."""
    low = high = None
    for item in metadata:
        for bound in item.metadata if isinstance(item, FieldInfo) else [item]:
            if isinstance(bound, Ge | Gt):
                low = ("[", bound.ge) if isinstance(bound, Ge) else ("(", bound.gt)
            elif isinstance(bound, Le | Lt):
                high = ("]", bound.le) if isinstance(bound, Le) else (")", bound.lt)
    if low and high:
        return f"in {low[0]}{low[1]}, {high[1]}{high[0]}"
    if low:
        return f"{'>=' if low[0] == '[' else '>'} {low[1]}"
    if high:
        return f"{'<=' if high[0] == ']' else '<'} {high[1]}"
    return ""


def format_type(annotation: Any) -> str:
    """Readable name of a type annotation (``list[int] | None``, ``'a' | 'b'``, ``int >= 1``)."""
    if annotation is Any:
        return "Any"
    if annotation is type(None):
        return "None"
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *metadata = typing.get_args(annotation)
        bounds = _constraints(metadata)
        text = format_type(base)
        return f"{text} {bounds}" if bounds else text
    if origin is Literal:
        return " | ".join(repr(arg) for arg in typing.get_args(annotation))
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    if isinstance(annotation, types.UnionType) or origin is typing.Union:
        return " | ".join(format_type(arg) for arg in typing.get_args(annotation))
    if origin is not None:
        args = ", ".join(format_type(arg) for arg in typing.get_args(annotation))
        return f"{origin.__name__}[{args}]"
    return str(annotation).replace("typing.", "")


def format_default(value: Any) -> str:
    """A default value as it is written in a YAML config."""
    if isinstance(value, BaseModel):
        return "(section)"
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):
        return json.dumps([item.model_dump(mode="json") for item in value])
    return json.dumps(value)


def section_class(annotation: Any) -> type | None:
    """The section class of an annotation (a pydantic model), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def list_item_section(annotation: Any) -> type | None:
    """The section class of ``list[SomeConfig]`` annotations, else None."""
    if typing.get_origin(annotation) is list:
        (arg,) = typing.get_args(annotation) or (None,)
        return section_class(arg)
    return None


def walk_sections(cls: type, prefix: str) -> Iterator[tuple[str, type, list[KeyDoc]]]:
    """Yield (dotted section name, section class, its leaf keys) depth first, section first."""
    comments = field_comments(cls)
    leaves: list[KeyDoc] = []
    children: list[tuple[str, type]] = []
    for name, field in cls.model_fields.items():
        key = f"{prefix}{name}"
        annotation = field.rebuild_annotation()
        child = section_class(field.annotation)
        if child is not None:
            children.append((key, child))
            continue
        item_cls = list_item_section(field.annotation)
        if item_cls is not None:
            children.append((f"{key}[]", item_cls))
        # The docs' own sentence (if any) introduces the schema's comment (if any).
        parts = [meaning_of(key), rst_escape(comments.get(name, ""))]
        meaning = " ".join(part for part in parts if part)
        default = field.get_default(call_default_factory=True)
        leaves.append(KeyDoc(key, format_type(annotation), format_default(default), meaning))
    yield prefix.rstrip("."), cls, leaves
    for key, child in children:
        yield from walk_sections(child, f"{key}.")


def table_rst(keys: list[KeyDoc]) -> list[str]:
    """A list-table of keys in reStructuredText lines."""
    out = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 25 15 20 40",
        "",
        "   * - key",
        "     - type",
        "     - default",
        "     - meaning",
    ]
    for doc in keys:
        out += [
            f"   * - ``{doc.key}``",
            f"     - ``{doc.type}``",
            f"     - ``{doc.default}``",
            f"     - {doc.meaning}",
        ]
    return out


def section_label(name: str) -> str:
    """Reference label of a section, e.g. ``config-data.augmentation.flip``."""
    return "config-" + (name.replace("[]", "") or "top-level")


def reference_rst(root: type) -> tuple[list[str], list[str]]:
    """Whole reference in reStructuredText, plus every documented key (for checks)."""
    out: list[str] = []
    all_keys: list[str] = []
    for name, cls, leaves in walk_sections(root, ""):
        title = f"``{name}``" if name else "Top level"
        out += [f".. _{section_label(name)}:", "", title, "~" * max(len(title), 4), ""]
        doc = inspect.getdoc(cls) or ""
        if doc and not doc.startswith(cls.__name__ + "("):
            out += [doc, ""]
        if leaves:
            out += table_rst(leaves) + [""]
        all_keys += [leaf.key for leaf in leaves]
        for leaf in leaves:
            if not leaf.meaning:
                logger.warning(
                    "config key %r has no meaning: write a comment above the field in the "
                    "schema or add it to docs/_ext/config_meanings.py",
                    leaf.key,
                    type="config_reference",
                )
    return out, all_keys


class ConfigReference(SphinxDirective):
    """Render the reference of every key of connectomics.config.schema.Config."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Build the tables and check MEANINGS against the schema."""
        from connectomics.config.schema import Config

        lines, keys = reference_rst(Config)
        for stale in sorted(p for p in MEANINGS if not any(fnmatchcase(k, p) for k in keys)):
            logger.warning(
                "docs/_ext/config_meanings.py describes %r, which the schema no longer has",
                stale,
                location=self.get_location(),
                type="config_reference",
            )
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(
            self.state, StringList(lines, source="config-reference"), container
        )
        for schema_file in {inspect.getsourcefile(c) for _, c, _ in walk_sections(Config, "")}:
            self.env.note_dependency(schema_file)
        return container.children


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive."""
    app.add_directive("config-reference", ConfigReference)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
