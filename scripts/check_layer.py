"""Import every module of one installed connectomics package and refuse higher layers' deps.

Usage: python check_layer.py PACKAGE [FORBIDDEN_DISTRIBUTION ...]
"""

import importlib
import importlib.metadata as md
import pkgutil
import sys

MODULES = {
    "core": [
        "connectomics.config",
        "connectomics.models",
        "connectomics.losses",
        "connectomics.metrics",
    ],
    "data": ["connectomics.data"],
    "lightning": ["connectomics.lightning"],
    "cli": ["connectomics.cli"],
}


def main() -> int:
    """Import all modules of the package named in argv[1]; fail if a forbidden dist is present."""
    pkg, forbidden = sys.argv[1], sys.argv[2:]
    installed = {d.metadata["Name"].lower().replace("_", "-") for d in md.distributions()}
    present = sorted(f for f in forbidden if f.lower() in installed)
    if present:
        print(f"connectomics-{pkg} alone installed higher-layer packages: {present}")
        return 1
    count = 0
    for top in MODULES[pkg]:
        mod = importlib.import_module(top)
        count += 1
        for info in pkgutil.walk_packages(mod.__path__, prefix=top + "."):
            importlib.import_module(info.name)
            count += 1
    print(
        f"connectomics-{pkg}: imported {count} modules; none of {len(forbidden)} higher-layer dists installed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
