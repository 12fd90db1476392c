"""The names of every registry without importing its modules: a cache keyed by their source.

Listing a registry imports its built-in modules and plugins (torch, MONAI, ...: seconds). The
names change only when that code changes, so `connectomics info` keeps them in
`<cache>/registry-names/<fingerprint>.json`. The fingerprint covers the size and modification
time of every Python file of the `connectomics` packages and of the top-level package of each
other built-in module and plugin, the plugins' entry points and the interpreter: any change
of code, plugin or environment makes a new fingerprint, so a stale list is never read.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from connectomics.config.cache_root import cache_dir
from connectomics.config.registry import Registry, listing

KEEP = 8  # listings kept (one per environment and code version); older ones are deleted


def _python_files(roots: list[Path]) -> list[tuple[str, int, int]]:
    found = []
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in files:
                if name.endswith(".py"):
                    st = os.stat(os.path.join(folder, name))
                    found.append((os.path.join(folder, name), st.st_size, st.st_mtime_ns))
    return sorted(found)


def _package_roots(module: str) -> list[Path]:
    """Folders (or the file) of top-level module `module`, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None:
        return []
    if spec.submodule_search_locations:
        return [Path(p) for p in spec.submodule_search_locations]
    return [Path(spec.origin)] if spec.origin else []


def fingerprint(registries: dict[str, Registry[Any]]) -> str:
    """Hash of everything the registries' names depend on (see the module docstring)."""
    import connectomics

    roots = [Path(p) for p in connectomics.__path__]
    tops = {m.split(".")[0] for r in registries.values() for m in r.builtins} - {"connectomics"}
    for top in sorted(tops):
        roots += _package_roots(top)
    points = []
    for group in sorted({r.group for r in registries.values()}):
        for point in entry_points(group=group):
            points.append((group, point.name, point.value))
            top = point.value.split(":")[0].split(".")[0]
            if top != "connectomics":
                roots += _package_roots(top)
    parts = [sys.prefix, sys.version, sorted(registries), sorted(points), _python_files(roots)]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:24]


def cached_listing(registries: dict[str, Registry[Any]]) -> tuple[dict[str, list[str]], bool]:
    """Title -> names of each registry, and whether they came from the cache (no import)."""
    path = cache_dir() / "registry-names" / f"{fingerprint(registries)}.json"
    try:
        names = json.loads(path.read_text())
        if isinstance(names, dict) and list(names) == list(registries):
            return names, True
    except (OSError, ValueError):
        pass
    names = listing(registries)
    try:  # a read-only home only costs the next run the import again
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(names))
        tmp.replace(path)
        for old in sorted(path.parent.glob("*.json"), key=os.path.getmtime)[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
    return names, False
