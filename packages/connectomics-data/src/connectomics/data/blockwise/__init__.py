"""Blockwise decoding and evaluation of volumes larger than memory, on Dask.

Blocks are processed by Dask's local threaded scheduler or, given a scheduler address, by a
dask.distributed cluster (:class:`Engine`); results go to chunked Zarr stores that record
finished blocks, so an interrupted run resumes where it stopped.
"""

from connectomics.data.blockwise.block_grid import BlockGrid
from connectomics.data.blockwise.connected import BlockwiseReport
from connectomics.data.blockwise.decode import blockwise_decoders, decode_blockwise
from connectomics.data.blockwise.executor import Engine
from connectomics.data.blockwise.sizing import blockwise_block_size, engine_from_config, is_chunked

__all__ = [
    "BlockGrid",
    "BlockwiseReport",
    "Engine",
    "blockwise_block_size",
    "blockwise_contingency",
    "blockwise_decoders",
    "decode_blockwise",
    "engine_from_config",
    "is_chunked",
    "evaluate_blockwise",
]


def __getattr__(name: str):
    """The evaluation functions, imported on first use (the metrics import torch; decoding
    workers do not need it)."""
    if name in ("blockwise_contingency", "evaluate_blockwise"):
        from connectomics.data.blockwise import evaluate

        return getattr(evaluate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
