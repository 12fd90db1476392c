"""Sliding-window inference of whole volumes: blending, test-time augmentation, out of core."""

from connectomics.data.inference.chunking import auto_chunk_size
from connectomics.data.inference.options import (
    InferenceOptions,
    resolve_options,
)
from connectomics.data.inference.out_of_core import StoreReport, predict_to_store
from connectomics.data.inference.sections import SectionModel, SlabModel, fit_model_to_input
from connectomics.data.inference.sliding_window import SlidingWindowPredictor, predict_volume

__all__ = [
    "InferenceOptions",
    "SectionModel",
    "SlidingWindowPredictor",
    "StoreReport",
    "auto_chunk_size",
    "SlabModel",
    "fit_model_to_input",
    "predict_to_store",
    "predict_volume",
    "resolve_options",
]
