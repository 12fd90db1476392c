"""Sliding-window inference of whole volumes: blending, test-time augmentation, out of core."""

from connectomics.data.inference.engine import SlidingWindowPredictor, predict_volume
from connectomics.data.inference.options import (
    InferenceOptions,
    options_from_config,
    resolve_options,
)
from connectomics.data.inference.out_of_core import StoreReport, predict_to_store

__all__ = [
    "InferenceOptions",
    "SlidingWindowPredictor",
    "StoreReport",
    "options_from_config",
    "predict_to_store",
    "predict_volume",
    "resolve_options",
]
