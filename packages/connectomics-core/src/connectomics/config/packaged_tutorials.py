"""Tutorial configs shipped inside the package, resolvable by name (`load_config("lucchi")`)."""

from __future__ import annotations

from pathlib import Path

TUTORIALS_DIR = Path(__file__).resolve().parent / "tutorials"


def list_tutorials() -> list[str]:
    """Names of the packaged tutorials (file stems), sorted."""
    return sorted(p.stem for p in TUTORIALS_DIR.glob("*.yaml"))


def tutorial_path(name: str) -> Path | None:
    """Path of the packaged tutorial `name` (with or without .yaml), or None."""
    stem = name[: -len(".yaml")] if name.endswith(".yaml") else name
    if not stem or "/" in stem or "\\" in stem:
        return None
    path = TUTORIALS_DIR / f"{stem}.yaml"
    return path if path.is_file() else None
