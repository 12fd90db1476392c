"""Score reports: an aligned text table and a JSON file."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path


def format_report(results: Mapping[str, float], title: str = "metric") -> str:
    """An aligned two-column text table of metric names and values."""
    if not results:
        return f"{title}\n(no scores)"
    width = max(len(title), *(len(str(name)) for name in results))
    lines = [f"{title:<{width}}  value", f"{'-' * width}  {'-' * 10}"]
    for name, value in results.items():
        number = float(value)
        text = f"{number:10.6f}" if math.isfinite(number) else f"{number!s:>10}"
        lines.append(f"{name!s:<{width}}  {text}")
    return "\n".join(lines)


def write_report(results: Mapping[str, float], path: str | Path) -> Path:
    """Write `results` as a JSON object of floats to `path` (parents created); return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # NaN (an undefined score) becomes null: strict JSON has no NaN
    payload = {
        str(name): float(value) if math.isfinite(float(value)) else None
        for name, value in results.items()
    }
    target.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")
    return target
