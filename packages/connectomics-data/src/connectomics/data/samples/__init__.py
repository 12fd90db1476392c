"""Small real EM volumes shipped with the package, so tutorials and tests run offline.

`fibsem_medulla.zip` holds two FIB-SEM crops of the Drosophila medulla with neuron ids
(train.h5 and test.h5, 50 x 100 x 200 voxels each; licence in LICENSE-fibsem-medulla.txt).
`connectomics download fibsem_medulla` unpacks them like any other dataset.
"""

from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parent


def sample_archive(name: str) -> Path:
    """The packaged archive of sample `name` (e.g. "fibsem_medulla")."""
    path = SAMPLES / f"{name}.zip"
    if not path.is_file():
        known = sorted(p.stem for p in SAMPLES.glob("*.zip"))
        raise FileNotFoundError(f"no packaged sample {name!r}; known: {', '.join(known)}")
    return path
