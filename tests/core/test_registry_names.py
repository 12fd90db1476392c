"""Registry names from the cache: the same names as importing, and a code change is seen."""

from __future__ import annotations

import subprocess
import sys

from connectomics.config.registries import ALL
from connectomics.config.registry import Registry, listing
from connectomics.config.registry_names import cached_listing


def _plugin(tmp_path, names: list[str]) -> None:
    pkg = tmp_path / "cxreg_builtin"
    pkg.mkdir(exist_ok=True)
    lines = ["import cxreg_holder"] + [f"cxreg_holder.REG.register({n!r}, 1)" for n in names]
    (pkg / "__init__.py").write_text("\n".join(lines) + "\n")


def _fresh(monkeypatch, tmp_path) -> dict[str, Registry]:
    import types

    holder = types.ModuleType("cxreg_holder")
    holder.REG = Registry("thing", "x.thing", ("cxreg_builtin",), "cxreg.none")
    monkeypatch.setitem(sys.modules, "cxreg_holder", holder)
    sys.modules.pop("cxreg_builtin", None)
    return {"things": holder.REG}


def test_a_listing_is_read_back_until_its_code_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("CONNECTOMICS_CACHE", str(tmp_path / "cache"))
    monkeypatch.syspath_prepend(str(tmp_path))
    _plugin(tmp_path, ["a"])
    assert cached_listing(_fresh(monkeypatch, tmp_path)) == ({"things": ["a"]}, False)
    assert cached_listing(_fresh(monkeypatch, tmp_path)) == ({"things": ["a"]}, True)
    _plugin(tmp_path, ["a", "bb"])  # a new size: a new fingerprint
    assert cached_listing(_fresh(monkeypatch, tmp_path)) == ({"things": ["a", "bb"]}, False)
    sys.modules.pop("cxreg_builtin", None)


def test_info_lists_the_registries_without_importing_torch(tmp_path, monkeypatch):
    """Once listed, `connectomics info` answers from the cache: no torch, MONAI or Lightning."""
    monkeypatch.setenv("CONNECTOMICS_CACHE", str(tmp_path))
    names, _ = cached_listing(ALL)
    assert names == listing(ALL) and "unet" in names["models"]
    code = (
        "import sys; from connectomics.cli.main import main; rc = main(['info']);"
        "heavy=[m for m in ('torch','pytorch_lightning','monai') if m in sys.modules];"
        "print('HEAVY', heavy, rc)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "HEAVY [] 0" in out
    assert f"models:         {', '.join(names['models'])}" in out
    assert f"decoders:       {', '.join(names['decoders'])}" in out
