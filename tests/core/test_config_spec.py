"""Every YAML snippet and every load_config call of the Lightning API page works as written."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from connectomics.config import load_config
from tests.api_page import code_blocks

REPO = Path(__file__).resolve().parents[2]


def _duplicate_lines(node: yaml.Node, choice: int) -> list[tuple[int, int]]:
    """Line ranges to drop so that each repeated key keeps only its `choice`-th occurrence."""
    drop: list[tuple[int, int]] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, list[tuple[yaml.Node, yaml.Node]]] = {}
        for key, value in node.value:
            seen.setdefault(key.value, []).append((key, value))
        for pairs in seen.values():
            keep = min(choice, len(pairs) - 1)
            for index, (key, value) in enumerate(pairs):
                if index != keep:
                    end = value.end_mark.line + (1 if value.end_mark.column else 0)
                    drop.append((key.start_mark.line, max(end, key.start_mark.line + 1)))
            for _, value in pairs:
                drop += _duplicate_lines(value, choice)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            drop += _duplicate_lines(item, choice)
    return drop


def alternatives(text: str) -> list[str]:
    """The snippet itself, or one variant per alternative when it repeats a key ("# or")."""
    root = yaml.compose(text)
    variants = []
    for choice in range(4):
        drop = _duplicate_lines(root, choice)
        lines = text.splitlines()
        kept = [line for n, line in enumerate(lines) if not any(a <= n < b for a, b in drop)]
        variant = "\n".join(kept) + "\n"
        if variant not in variants:
            variants.append(variant)
    return variants


YAML_SNIPPETS = [v for block in code_blocks("yaml") for v in alternatives(block)]


def _leaves(data: dict, prefix: str = "") -> list[tuple[str, object]]:
    out = []
    for key, value in data.items():
        if isinstance(value, dict):
            out += _leaves(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", value))
    return out


def test_the_page_shows_every_yaml_snippet():
    # system, training x3, scheduler, model, checkpoint, early stopping, logging x2
    assert len(code_blocks("yaml")) == 10
    assert len(YAML_SNIPPETS) == 11  # the precision snippet holds two alternatives


@pytest.mark.parametrize("snippet", YAML_SNIPPETS, ids=lambda s: s.splitlines()[0].rstrip(":"))
def test_yaml_snippet_merges_into_a_valid_config(tmp_path, snippet):
    path = tmp_path / "snippet.yaml"
    path.write_text(snippet)
    cfg = load_config(path)  # defaults + snippet, validated
    expected = OmegaConf.to_container(OmegaConf.load(path))
    for key, value in _leaves(expected):
        got = cfg.model_dump()
        for part in key.split("."):
            got = got[part]
        assert got == value or str(got) == str(value), key


def test_precision_alternatives_are_both_checked():
    precisions = [s for s in YAML_SNIPPETS if "precision:" in s]
    assert any('"16-mixed"' in s for s in precisions) and any(
        '"bf16-mixed"' in s for s in precisions
    )


def _load_config_calls() -> list[str]:
    calls = []
    for block in code_blocks("python"):
        calls += re.findall(r"load_config\((.+?)\)", block)
    return sorted(set(calls))


def test_the_page_loads_the_lucchi_tutorial():
    assert _load_config_calls() == ['"tutorials/lucchi.yaml"']


@pytest.mark.parametrize("argument", _load_config_calls())
def test_spec_load_config_calls_work_from_the_repo_root(monkeypatch, argument):
    monkeypatch.chdir(REPO)
    cfg = load_config(ast.literal_eval(argument))
    assert isinstance(cfg.system.seed, int)
    assert cfg.training.max_epochs > 0
