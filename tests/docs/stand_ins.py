"""Stand-ins for public datasets, written in the layout `connectomics download NAME` leaves.

The docs-commands run (tests/docs/docs_commands.py) replaces a download of a public dataset
by this script, through `docs/commands_substitutions.yaml`: a CI machine has no network, and
the real volumes are hundreds of MB. The stand-ins are crops of the EM volumes shipped in the
repository (tests/em_data/, see its README for source and licence), so the tutorials train and
predict on real EM with the files, names and dtypes the real download gives.

    python tests/docs/stand_ins.py lucchi++ datasets
"""

from __future__ import annotations

import sys
from pathlib import Path

import h5py
import numpy as np
import tifffile

ROOT = Path(__file__).resolve().parents[2]
ISBI = ROOT / "tests" / "em_data" / "isbi2012_membranes.h5"


def lucchi(to: Path) -> Path:
    """datasets/lucchi++/{train,test}_{im,label}.tif from the shipped ISBI 2012 crop (binary labels)."""
    folder = to / "lucchi++"
    folder.mkdir(parents=True, exist_ok=True)
    with h5py.File(ISBI) as f:
        raw, label = f["raw"][:], f["label"][:]
    # the membrane crop is 12 x 256 x 256: the first 8 sections train, the last 4 test
    # (repeated along z to the 16 sections of the shortened tutorial patch)
    foreground = (label == 0).astype(
        np.uint8
    ) * 255  # membranes: a thin foreground, as mitochondria
    parts = {
        "train": (np.concatenate([raw[:8]] * 2), np.concatenate([foreground[:8]] * 2)),
        "test": (np.concatenate([raw[8:]] * 4), np.concatenate([foreground[8:]] * 4)),
    }
    for split, (im, lab) in parts.items():
        tifffile.imwrite(folder / f"{split}_im.tif", im)
        tifffile.imwrite(folder / f"{split}_label.tif", lab)
    return folder


STAND_INS = {"lucchi++": lucchi}

if __name__ == "__main__":
    name, to = sys.argv[1], Path(sys.argv[2])
    print(f"{name} ready in {STAND_INS[name](to)} (stand-in for the docs-commands run)")
