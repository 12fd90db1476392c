"""Decoders turning predictions (C, *spatial) into uint32 instance labels, by registry name."""

from connectomics.data.decoding import (  # noqa: F401  (importing registers the decoders)
    affinity_cc,
    affinity_mws,
    affinity_waterz,
    binary,
    watershed,
)
from connectomics.data.decoding.postprocess import finalize_labels, remove_small_objects
from connectomics.data.decoding.registry import (
    DECODER_REGISTRY,
    build_decoder,
    decode,
    decoder_arguments,
    decoder_spec,
    register_decoder,
)
from connectomics.data.decoding.spec import DecoderSpec
from connectomics.data.decoding.threshold_search import (
    TuningResult,
    apply_tuned_decoding,
    tune_decoder,
    write_tuned_record,
)

__all__ = [
    "DECODER_REGISTRY",
    "DecoderSpec",
    "TuningResult",
    "apply_tuned_decoding",
    "build_decoder",
    "decode",
    "decoder_arguments",
    "decoder_spec",
    "finalize_labels",
    "register_decoder",
    "remove_small_objects",
    "tune_decoder",
    "write_tuned_record",
]
