"""`decode_blockwise`: a decoder run block by block over a chunked prediction, into Zarr."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from connectomics.config.schema import DecodingConfig
from connectomics.data.blockwise.block_grid import DEFAULT_BLOCK, BlockGrid
from connectomics.data.blockwise.connected import BlockwiseReport
from connectomics.data.blockwise.executor import Engine
from connectomics.data.blockwise.job_store import BlockStore, split_output
from connectomics.data.decoding.registry import DECODERS, decoder_spec
from connectomics.data.errors import DataError
from connectomics.data.io.fingerprint import content_fingerprint
from connectomics.data.io.ngff import build_pyramid, is_ome_zarr
from connectomics.data.io.open import open_volume
from connectomics.data.io.volume import Volume, require_all_chunks


def blockwise_decoders() -> list[str]:
    """Names of the decoders that declare a blockwise form."""
    return [name for name in DECODERS.names() if DECODERS[name].blockwise]


def decode_blockwise(
    prediction: str | Path | Volume,
    output: str | Path,
    name: str = DecodingConfig.model_fields["name"].default,
    block_size: int | Sequence[int] = DEFAULT_BLOCK,
    engine: Engine | None = None,
    overwrite: bool = False,
    voxel_size: Sequence[float] | None = None,
    **kwargs: Any,
) -> BlockwiseReport:
    """Decode a (C, *spatial) prediction block by block into the Zarr store `output`.

    `name` is a decoder with a blockwise form: binary_cc or affinity_cc (exact: equal to the
    whole-volume decoder up to a relabelling) or affinity_waterz (fragments per block,
    agglomerated on a global region graph; see
    :func:`connectomics.data.blockwise.agglomerate_blockwise`). `kwargs` are the decoder's and
    resolve through its spec as in memory (pass `decoder_arguments(cfg)[1]` for the channels
    of a config's targets). The labels go to `output` ("seg.zarr", array "segmentation", or
    "seg.zarr:key"); finished blocks are recorded there, and a second call with the same
    arguments resumes an interrupted run. `voxel_size` (nm, z-y-x; default: the prediction's
    own) is recorded on the labels; a ``.ome.zarr`` output also gets a label pyramid and its
    OME-Zarr metadata (`connectomics.data.io.ngff`).
    """
    spec = decoder_spec(name)
    form = spec.blockwise_form()
    if form is None:
        raise DataError(
            f"decoder {name!r} has no blockwise form; use one of "
            f"{', '.join(blockwise_decoders())} with decoding.block_size, or decode in memory"
        )
    kwargs = spec.resolve(kwargs)
    volume = open_volume(prediction) if not isinstance(prediction, Volume) else prediction
    require_all_chunks(volume)
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
        # bound to the content too: a prediction rewritten in place is never resumed onto
        "fingerprint": content_fingerprint(volume),
        "key": key,
    }
    store = BlockStore(path, run, overwrite=overwrite)
    with (engine or Engine()).connected() as engine:  # one connection for all passes
        report = form(spec, volume, store, grid, key, engine, kwargs)
    if voxel_size is None:
        voxel_size = volume.voxel_size
    spatial = len(grid.shape)
    size = [float(v) for v in voxel_size[-spatial:]] if voxel_size is not None else None
    if size is not None:
        store.group[key].attrs["voxel_size"] = size
    if is_ome_zarr(path):
        build_pyramid(path, size, labels=True)
    return report
