"""Write a `Plan` as commented YAML: each planned key with its one-line reason."""

from __future__ import annotations

from typing import Any

import yaml

from connectomics.data.planning.fingerprint import Fingerprint
from connectomics.data.planning.planner import Plan
from connectomics.data.planning.trial import GIB


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10_000).strip()
    return text[:-4].strip() if text.endswith("\n...") else text.removesuffix("...").strip()


def _lines(section: dict[str, Any], reasons: dict[str, str], prefix: str, indent: int) -> list[str]:
    out = []
    pad = "  " * indent
    for key, value in section.items():
        dotted = f"{prefix}{key}"
        reason = reasons.get(dotted)
        if isinstance(value, dict) and reason is None and value:
            out.append(f"{pad}{key}:")
            out += _lines(value, reasons, dotted + ".", indent + 1)
        elif isinstance(value, dict) and value and dotted == "data.augmentation":
            out.append(f"{pad}{key}:  # {reason}")
            out += [f"{pad}  {k}: {_flow(v)}" for k, v in value.items()]
        else:
            comment = f"  # {reason}" if reason else ""
            out.append(f"{pad}{key}: {_flow(value)}{comment}")
    return out


def fingerprint_lines(fp: Fingerprint) -> list[str]:
    """The fingerprint as YAML comment lines."""
    lines = [
        f"# volume {list(fp.shape)} (z y x) {fp.dtype}, voxel {list(fp.voxel_size)} nm "
        f"(from {fp.voxel_size_source}), anisotropy {fp.anisotropy:.1f}",
        "# intensity " + ", ".join(f"{k} {v:.1f}" for k, v in fp.intensity.items()),
    ]
    if fp.num_objects is not None:
        lines.append(
            f"# labels ({fp.label_kind}): {fp.num_objects} objects, background "
            f"{100 * (fp.background_fraction or 0):.1f} %, touching {100 * (fp.touching_fraction or 0):.0f} %"
        )
        for q, values in fp.diameter_nm.items():
            lines.append(
                f"# object extent {q} (nm, z y x, volume-weighted): {[round(v) for v in values]}"
            )
    return lines


def plan_to_yaml(plan: Plan, fp: Fingerprint, command: str) -> str:
    """The commented YAML text of `plan` (loads with `connectomics train --config`)."""
    head = [f"# Planned by: {command}", "# Fingerprint:", *fingerprint_lines(fp)]
    if plan.trials:
        head.append("# Trial steps (patch, batch: measured peak memory, seconds per step):")
        head += [
            f"#   {patch} x{batch}: {t.peak_bytes / GIB:.2f} GiB, {t.step_seconds:.2f} s"
            for patch, batch, t in plan.trials
        ]
    return "\n".join([*head, *_lines(plan.config, plan.reasons, "", 0)]) + "\n"
