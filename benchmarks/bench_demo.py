"""`connectomics demo`: wall time, instance scores before/after training, figure size.

Run: .venv/bin/python benchmarks/bench_demo.py [--threads 2]  (prints measurements; not a test)

Targets (issue 12): AP50 >= 0.8 and adapted Rand error <= 0.15 on the held-out part, at most
90 s on a quiet 2-core machine, a figure at least 1000 px wide. The load average is printed
beside the time: on a busy machine the time says little.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import header

TARGETS = {"ap50": (">=", 0.8), "adapted_rand": ("<=", 0.15)}


def main() -> None:
    """Run the demo once in a subprocess and report its numbers against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="system.num_threads of the run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        load = os.getloadavg()[0]
        start = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "connectomics.cli.main",
                "demo",
                "--out",
                str(out),
                f"system.num_threads={args.threads}",
                "logging.progress_bar=false",
            ],
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"demo failed:\n{result.stderr[-3000:]}")
        from PIL import Image

        width, height = Image.open(out / "demo.png").size
    print(result.stdout)
    print(header())
    print(f"wall time {seconds:.0f} s with {args.threads} threads (load average {load:.1f})")
    print(f"figure {width} x {height} px")
    for name, (op, target) in TARGETS.items():
        match = re.search(rf"^{name}\s+([\d.]+)\s+([\d.]+)", result.stdout, re.M)
        if match:
            before, after = map(float, match.groups())
            ok = after >= target if op == ">=" else after <= target
            print(
                f"{name}: untrained {before:.3f} -> trained {after:.3f} (target {op} {target}: "
                f"{'met' if ok else 'NOT met'})"
            )


if __name__ == "__main__":
    main()
