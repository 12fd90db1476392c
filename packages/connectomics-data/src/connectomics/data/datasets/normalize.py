"""Image intensity normalisation (data.normalize)."""

from __future__ import annotations

import numpy as np

from connectomics.data.errors import DataError

NORMALIZE_MODES = ("scale", "zscore", "none")


def normalize_image(image: np.ndarray, mode: str = "scale") -> np.ndarray:
    """Return ``image`` as float32: "scale" divides integers by their dtype maximum (uint8 /255,
    uint16 /65535; floats unchanged), "zscore" standardises, "none" only casts."""
    if mode not in NORMALIZE_MODES:
        raise DataError(f"data.normalize must be one of {NORMALIZE_MODES}, got {mode!r}")
    if mode == "scale":
        if image.dtype == np.bool_:
            return image.astype(np.float32)
        if np.issubdtype(image.dtype, np.integer):
            return image.astype(np.float32) / np.float32(np.iinfo(image.dtype).max)
        return image.astype(np.float32, copy=False)
    out = image.astype(np.float32)
    if mode == "zscore":
        std = float(out.std())
        out = (out - float(out.mean())) / (std if std > 0 else 1.0)
    return out
