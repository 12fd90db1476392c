"""Decoder `example_threshold`, registered when the entry point's `register` is called."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field


def example_threshold(
    prediction: Any, level: Annotated[float, Field(ge=0, le=1)] = 0.5
) -> np.ndarray:
    """Every voxel of channel 0 above `level` is object 1."""
    return (np.asarray(prediction)[0] > level).astype(np.uint32)


def register() -> None:
    """Add the decoder to connectomics' decoder registry."""
    from connectomics.data.decoding import register_decoder

    register_decoder("example_threshold", tuned="level")(example_threshold)
