"""Per-block labellers: the whole-volume decoders' labelling step, applied to one block."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from connectomics.data.decoding.affinity_cc import affinity_components
from connectomics.data.decoding.binary import binary_components

# The decoders' labelling without their last step (small-object removal, consecutive ids),
# which blockwise decoding does once for the whole volume after stitching.
LABELLERS: dict[str, Callable[..., np.ndarray]] = {
    "binary_cc": binary_components,
    "affinity_cc": affinity_components,
}
