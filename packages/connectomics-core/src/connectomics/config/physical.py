"""Target parameters given in nanometres (`offsets_nm`, `thickness_nm`, `alpha_nm`).

A target kwarg ending in `_nm` is a physical size; it is converted with `data.voxel_size`
(nm, z-y-x) into the voxel kwarg the transform takes, at load time. The nm form is the
source: when both are present (a saved config), the voxel form is recomputed from it, so a
config moved to another voxel size keeps its physical meaning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectomics.config.checks.common import fail

# nm kwarg -> the voxel kwarg it sets (one place; `config show` and build_target ask here)
NM_KWARGS = {"offsets_nm": "offsets", "thickness_nm": "thickness", "alpha_nm": "alpha"}


def nm_to_voxels(value_nm: float, spacing: float) -> int:
    """A length in nm as a whole number of voxels of `spacing` nm (0 stays 0, else >= 1)."""
    if value_nm == 0:
        return 0
    voxels = max(1, round(abs(float(value_nm)) / float(spacing)))
    return voxels if value_nm > 0 else -voxels


def offsets_to_voxels(
    offsets_nm: Sequence[Sequence[float]], voxel_size: Sequence[float]
) -> list[list[int]]:
    """Affinity offsets in nm (one per axis) as voxel offsets for `voxel_size`."""
    spacing = list(voxel_size)[-len(offsets_nm[0]) :] if offsets_nm else list(voxel_size)
    return [[nm_to_voxels(v, s) for v, s in zip(off, spacing, strict=True)] for off in offsets_nm]


def offsets_to_nm(offsets: Sequence[Sequence[int]], voxel_size: Sequence[float]) -> list[list]:
    """Voxel offsets as nm for `voxel_size` (the report of `config show`)."""
    spacing = list(voxel_size)[-len(offsets[0]) :] if offsets else list(voxel_size)
    return [[_num(v * s) for v, s in zip(off, spacing, strict=True)] for off in offsets]


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 3)


def resolve_nm_kwargs(
    kwargs: dict[str, Any], voxel_size: Sequence[float] | None, key: str
) -> dict[str, Any]:
    """`kwargs` with every `*_nm` entry converted into its voxel kwarg (kept beside it)."""
    present = [name for name in NM_KWARGS if name in kwargs]
    if not present:
        return kwargs
    if voxel_size is None:
        raise fail(
            f"{key}.{present[0]}",
            "a size in nm needs the voxel size",
            "set data.voxel_size: [z, y, x] in nm (or give the size in voxels)",
        )
    out = dict(kwargs)
    in_plane = float(voxel_size[-1])
    if "offsets_nm" in out:
        offsets = out["offsets_nm"]
        if not offsets or any(len(o) != len(offsets[0]) for o in offsets):
            raise fail(
                f"{key}.offsets_nm",
                f"{offsets} is not a list of per-axis offsets",
                "e.g. [[40, 0, 0], [0, 8, 0]]",
            )
        converted = offsets_to_voxels(offsets, voxel_size)
        if any(not any(o) for o in converted):
            raise fail(
                f"{key}.offsets_nm",
                f"{offsets} has an offset of zero voxels at data.voxel_size={list(voxel_size)}",
                "give nonzero offsets",
            )
        out["offsets"] = converted
    if "thickness_nm" in out:
        # contours are drawn with an isotropic footprint: thickness counts in-plane voxels
        out["thickness"] = max(1, round(float(out["thickness_nm"]) / in_plane))
    if "alpha_nm" in out:
        # distances are measured in nm (sampling = the voxel size), so the scale stays in nm
        out["alpha"] = float(out["alpha_nm"])
        out["sampling"] = [float(v) for v in voxel_size]
    return out


def voxel_kwargs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The kwargs a target transform takes: the `*_nm` entries (already converted) dropped."""
    return {k: v for k, v in kwargs.items() if k not in NM_KWARGS}


def physical_report(data: Any) -> list[str]:
    """Lines stating each target's sizes both in voxels and in nm (for `config show`)."""
    voxel_size = getattr(data, "voxel_size", None)
    if voxel_size is None:
        return ["# data.voxel_size is not set: target sizes are in voxels only"]
    lines = [f"# data.voxel_size (nm, z y x): {list(voxel_size)}"]
    for i, target in enumerate(data.targets):
        kw = target.kwargs
        where = f"data.targets[{i}] ({target.name})"
        if kw.get("offsets"):
            pairs = zip(kw["offsets"], offsets_to_nm(kw["offsets"], voxel_size), strict=True)
            text = ", ".join(f"{off} vox = {nm} nm" for off, nm in pairs)
            lines.append(f"# {where} offsets: {text}")
        if "thickness" in kw:
            nm = _num(int(kw["thickness"]) * float(voxel_size[-1]))
            lines.append(f"# {where} thickness: {kw['thickness']} vox = {nm} nm in-plane")
        if "alpha" in kw:
            unit = "nm" if kw.get("sampling") else "vox"
            lines.append(f"# {where} alpha: {kw['alpha']} {unit}")
    return lines
