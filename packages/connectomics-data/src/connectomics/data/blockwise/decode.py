"""`decode_blockwise`: a decoder run block by block over a chunked prediction, into Zarr."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from connectomics.data.blockwise.agglomerate import agglomerate_blockwise
from connectomics.data.blockwise.connected import BlockwiseReport, run_labelling
from connectomics.data.blockwise.engine import Engine
from connectomics.data.blockwise.grid import BlockGrid
from connectomics.data.blockwise.labelling import LABELLERS
from connectomics.data.blockwise.store import BlockStore, split_output
from connectomics.data.errors import DataError
from connectomics.data.io.open import open_volume
from connectomics.data.io.volume import Volume

BLOCKWISE_DECODERS = ("binary_cc", "affinity_cc", "affinity_waterz")


def _check_kwargs(name: str, kwargs: dict[str, Any]) -> None:
    """DataError naming the keyword arguments the blockwise decoder `name` does not take."""
    if name == "affinity_waterz":
        accepted = [
            p
            for p in inspect.signature(agglomerate_blockwise).parameters
            if p not in AGGLOMERATE_INTERNAL
        ]
    else:
        accepted = [*list(inspect.signature(LABELLERS[name]).parameters)[1:], "min_size"]
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise DataError(
            f"decoding.kwargs {unknown} are not parameters of blockwise decoder {name!r}; "
            f"it accepts: {', '.join(accepted)}"
        )


AGGLOMERATE_INTERNAL = ("prediction", "store", "grid", "key", "engine")


def decode_blockwise(
    prediction: str | Path | Volume,
    output: str | Path,
    name: str = "binary_cc",
    block_size: int | Sequence[int] = 128,
    engine: Engine | None = None,
    overwrite: bool = False,
    **kwargs: Any,
) -> BlockwiseReport:
    """Decode a (C, *spatial) prediction block by block into the Zarr store `output`.

    `name` is binary_cc or affinity_cc (exact: equal to the whole-volume decoder up to a
    relabelling) or affinity_waterz (fragments per block, agglomerated on a global region
    graph; see :func:`connectomics.data.blockwise.agglomerate_blockwise`). The labels go to
    `output` ("seg.zarr", array "segmentation", or "seg.zarr:key"); finished blocks are recorded
    there, and a second call with the same arguments resumes an interrupted run.
    """
    if name not in BLOCKWISE_DECODERS:
        raise DataError(
            f"decoder {name!r} has no blockwise form; use one of {', '.join(BLOCKWISE_DECODERS)} "
            "with decoding.block_size, or decode in memory"
        )
    kwargs = dict(kwargs)
    _check_kwargs(name, kwargs)
    volume = open_volume(prediction) if not isinstance(prediction, Volume) else prediction
    if volume.ndim not in (3, 4):
        raise DataError(
            f"blockwise decoding expects a prediction (C, Z, Y, X) or (C, Y, X), got shape "
            f"{volume.shape} from {prediction!r}"
        )
    grid = BlockGrid.build(volume.shape[1:], block_size)
    path, key = split_output(output)
    run = {
        "decoder": name,
        "kwargs": kwargs,
        "block_size": list(grid.block),
        "shape": list(volume.shape),
        "input": f"{volume.path}:{volume.key}" if volume.path else type(volume).__name__,
        "dtype": str(volume.dtype),
        "key": key,
    }
    store = BlockStore(path, run, overwrite=overwrite)
    with (engine or Engine()).connected() as engine:  # one connection for all passes
        if name == "affinity_waterz":
            return agglomerate_blockwise(volume, store, grid, key, engine, **kwargs)
        return run_labelling(volume, store, grid, key, name, kwargs, engine)
