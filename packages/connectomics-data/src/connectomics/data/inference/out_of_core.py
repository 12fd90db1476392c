"""Out-of-core prediction: chunk by chunk into a Zarr/HDF5 store, resumable, split over ranks."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from connectomics.data.errors import DataError
from connectomics.data.inference.chunking import auto_chunk_size
from connectomics.data.inference.identity import input_identity
from connectomics.data.inference.options import InferenceOptions, OptionError, resolve_options
from connectomics.data.inference.prediction_store import (
    PredictionStore,
    StoreTarget,
    parse_output_path,
    remove_staged,
    staged_target,
    swap_in,
)
from connectomics.data.inference.sliding_window import (
    Model,
    SlidingWindowPredictor,
    chunk_cache_bytes,
    output_scale,
)
from connectomics.data.inference.window_grid import chunk_boxes
from connectomics.data.io.ngff import is_ome_zarr
from connectomics.data.locking import WriterLock, lock_path_for
from connectomics.data.sizing import require_grid

STORE_VERSION = 2


@dataclass
class StoreReport:
    """What one predict_to_store call did."""

    path: str
    key: str
    shape: tuple[int, ...]
    chunk_size: tuple[int, ...]
    n_chunks: int
    computed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def model_fingerprint(model: Model) -> str:
    """Hash of a module's parameters and buffers (values, shapes, dtypes), else its name."""
    if not isinstance(model, torch.nn.Module):
        return f"{type(model).__module__}.{getattr(model, '__qualname__', type(model).__name__)}"
    digest = hashlib.sha256()
    for tensor in model.state_dict().values():
        if not isinstance(tensor, torch.Tensor):
            continue
        flat = tensor.detach().to("cpu").contiguous().reshape(-1)
        digest.update(f"{tuple(tensor.shape)}{tensor.dtype}".encode())
        digest.update(flat.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def run_hash(description: dict[str, Any]) -> str:
    """Stable short hash of a JSON-able run description."""
    text = json.dumps(description, sort_keys=True, default=list)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _differences(old: dict[str, Any], new: dict[str, Any]) -> str:
    """Which parts of two run descriptions differ, in words."""
    names = {
        "model": "model weights",
        "options": "inference options",
        "input": "input volume (path, key or content)",
        "input_shape": "input shape",
        "input_dtype": "input dtype",
        "chunk_size": "chunk size",
        "version": "store version",
    }
    new = json.loads(json.dumps(new, default=list))  # as stored: tuples become lists
    changed = [names.get(k, k) for k in names if old.get(k) != new.get(k)]
    return ", ".join(changed) or "run"


def _existing_problem(
    target: StoreTarget,
    meta: dict[str, Any] | None,
    digest: str,
    description: dict[str, Any] | None = None,
) -> str:
    if meta is None:
        return (
            f"output {target} exists and was not written by connectomics inference; "
            "pass overwrite=True (--overwrite) to replace it or choose another output path"
        )
    what = _differences(meta.get("run") or {}, description or {})
    return (
        f"output {target} holds a prediction of a different model or options or input "
        f"(different {what}; run hash "
        f"{meta.get('hash')} != {digest}); refusing to mix them: pass overwrite=True "
        "(--overwrite) to replace it or choose another output path"
    )


def _prepare_as_writer(
    target: StoreTarget,
    digest: str,
    description: dict[str, Any],
    create: Callable[[], PredictionStore],
    resume: bool,
    overwrite: bool,
) -> PredictionStore:
    store = PredictionStore.open(target)
    if store is None:
        return create()
    meta = store.metadata()
    if overwrite:
        store.close()
        return create()
    if meta is None or meta.get("hash") != digest:
        store.close()
        raise DataError(_existing_problem(target, meta, digest, description))
    if not resume:
        store.close()
        raise DataError(
            f"output {target} already exists (same model and options); pass resume=True to "
            "finish it, or overwrite=True (--overwrite) to recompute it"
        )
    return store


def _wait_for_store(
    target: StoreTarget, digest: str, description: dict[str, Any], timeout: float
) -> PredictionStore:
    """Ranks > 0: wait until rank 0 has created (or validated) the store of this run."""
    deadline = time.monotonic() + timeout
    while True:
        store = PredictionStore.open(target)
        meta = store.metadata() if store is not None else None
        if meta is not None:
            if meta.get("hash") == digest:
                return store  # type: ignore[return-value]
            raise DataError(_existing_problem(target, meta, digest, description))
        if time.monotonic() > deadline:
            raise DataError(
                f"timed out after {timeout:.0f}s waiting for rank 0 to create {target}; "
                "check rank 0's error"
            )
        time.sleep(0.2)


def _refuse_input_as_output(image: Any, target: StoreTarget) -> None:
    """An input volume is never a prediction store, even with overwrite=True."""
    source = getattr(image, "path", None)
    if source is None or not Path(str(source)).exists() or not target.path.exists():
        return
    if Path(str(source)).resolve().samefile(target.path.resolve()):
        raise DataError(
            f"output {target} is in the input file {source}; an input is never overwritten, "
            "choose another output path"
        )


def _previous_chunk(target: StoreTarget) -> list[int] | None:
    """The chunk size of an existing store of a prediction (to resume it), else None."""
    store = PredictionStore.open(target)
    if store is None:
        return None
    try:
        meta = store.metadata() or {}
    finally:
        store.close()
    chunk = meta.get("chunk_size")
    return [int(c) for c in chunk] if isinstance(chunk, list) else None


def predict_to_store(
    model: Model,
    image: Any,
    output_path: str | Path,
    chunk_size: Any = None,
    *,
    rank: int = 0,
    world_size: int = 1,
    resume: bool = True,
    overwrite: bool = False,
    output_format: str | None = None,
    model_id: str | None = None,
    barrier: Callable[[], None] | None = None,
    wait_timeout: float = 600.0,
    on_chunk: Callable[[int, int], None] | None = None,
    options: InferenceOptions | None = None,
    voxel_size: Any = None,
    **keywords: Any,
) -> StoreReport:
    """Predict `image` chunk by chunk into a Zarr (default) or HDF5 store at `output_path`.

    `chunk_size` None derives one from the window and the available memory (auto_chunk_size).
    Memory is bounded by one chunk plus its halo (the global windows touching it). Rank r of
    world_size takes chunks r, r + world_size, ...; all ranks write one Zarr store (HDF5 allows
    one writer only). Finished chunks are recorded; with resume=True an existing store of the
    same run (model, options, input shape, chunking) is completed without recomputing them.
    A store of another run is never overwritten unless overwrite=True. `barrier` (e.g. the DDP
    strategy's) lets ranks wait for rank 0 to prepare the store; without it they poll for it.
    `on_chunk(done, total)` is called after each of this rank's chunks (e.g. a progress bar).
    `options` (an `InferenceOptions`) or keywords building one: as for predict_volume.
    `voxel_size` (nm, z-y-x; default: the image's own, when it records one) is written with the
    prediction. An output ending in ``.ome.zarr`` gets its pyramid and OME-Zarr metadata once
    every chunk is done (`connectomics.data.io.ngff`).
    """
    opts = resolve_options(options, **keywords)
    if not 0 <= rank < world_size:
        raise OptionError(f"rank={rank} must lie in [0, world_size={world_size})")
    target = parse_output_path(output_path, output_format)
    if target.format == "h5" and world_size > 1:
        raise DataError(
            f"HDF5 output {target.path} cannot be written by {world_size} processes (HDF5 has "
            "no safe concurrent writes); use a .zarr output for multi-process prediction"
        )
    if overwrite and world_size > 1 and barrier is None:
        raise OptionError(
            "overwrite=True with several processes needs barrier= (e.g. the DDP strategy's "
            "barrier) so that no rank writes into the store before rank 0 has replaced it"
        )
    predictor = SlidingWindowPredictor(model, image, opts)
    if voxel_size is None:
        voxel_size = getattr(image, "voxel_size", None)
    voxel_size = [float(v) for v in voxel_size[-3:]] if voxel_size is not None else None
    _refuse_input_as_output(predictor.image, target)
    if chunk_size is None:
        chunk_size = _previous_chunk(target) if not overwrite else None
    if chunk_size is None:
        cin = predictor.image.shape[0] if predictor.channel_axis else 1
        # ranks must agree on the chunking: they do not see the same free memory
        memory = 1 << 62 if world_size > 1 else None
        chunk = auto_chunk_size(
            predictor.shape, opts.window_size, cin, predictor.output_channels(), memory
        )
    else:
        chunk = tuple(int(c) for c in chunk_size)
    if len(chunk) != opts.ndim or min(chunk) < 1:
        example = [min(64, s) for s in predictor.shape]
        raise OptionError(
            f"inference.chunk_size={list(chunk)} needs {opts.ndim} positive sizes (one per "
            f"spatial axis), e.g. {example}, or null to derive one from the window and memory"
        )
    chunk = tuple(min(c, s) for c, s in zip(chunk, predictor.shape))
    require_grid(
        repr(predictor.image),
        predictor.shape,
        chunk,
        "out-of-core prediction",
        "give a larger inference.chunk_size or predict a crop of the volume",
    )
    predictor.prepare_normalization()
    boxes = chunk_boxes(predictor.shape, chunk)
    description = {
        "version": STORE_VERSION,
        "options": opts.value_fields(),
        "model": model_id or model_fingerprint(model),
        "input_shape": list(predictor.image.shape),
        "input_dtype": str(np.dtype(predictor.image.dtype)),
        "chunk_size": list(chunk),
        "input": input_identity(predictor.image),
    }
    digest = run_hash(description)

    def create(where: StoreTarget = target) -> PredictionStore:
        channels = predictor.output_channels()
        meta = {
            "hash": digest,
            "run": description,
            "value_range": output_scale(predictor),
            "chunk_size": list(chunk),
        }
        return PredictionStore.create(
            where,
            (channels, *predictor.shape),
            (channels, *chunk),
            opts.output_dtype,
            len(boxes),
            meta,
            voxel_size=voxel_size[-len(chunk) :] if voxel_size else None,
        )

    # One writing run per store: rank 0 of this run holds the lock until its chunks are done.
    lock = WriterLock(lock_path_for(target.path), f"prediction store {target.path}")
    if rank == 0:
        lock.acquire()
    try:
        if rank == 0 and world_size == 1 and overwrite and _holds_store(target):
            return _overwrite_staged(target, create, predictor, boxes, chunk, on_chunk)
        if rank == 0:
            store = _prepare_as_writer(target, digest, description, create, resume, overwrite)
            if barrier is not None:
                barrier()
        else:
            if barrier is not None:
                barrier()
            store = _wait_for_store(target, digest, description, wait_timeout)
        report = _write_chunks(store, predictor, boxes, target, chunk, rank, world_size, on_chunk)
    finally:
        lock.release()
    if is_ome_zarr(target.path) and _all_done(target):
        from connectomics.data.io.ngff import build_pyramid

        size = voxel_size[-len(chunk) :] if voxel_size else None
        build_pyramid(target.path, size, labels=False)
    return report


def _all_done(target: StoreTarget) -> bool:
    """True when every chunk of the store is recorded as finished."""
    store = PredictionStore.open(target)
    if store is None:
        return False
    try:
        return bool(store.done_flags().all())
    finally:
        store.close()


def _holds_store(target: StoreTarget) -> bool:
    """True when `target` already holds a prediction array (an overwrite would replace it)."""
    store = PredictionStore.open(target)
    if store is None:
        return False
    store.close()
    return True


def _overwrite_staged(
    target: StoreTarget,
    create: Callable[[StoreTarget], PredictionStore],
    predictor: SlidingWindowPredictor,
    boxes: list[Any],
    chunk: tuple[int, ...],
    on_chunk: Callable[[int, int], None] | None,
) -> StoreReport:
    """overwrite=True of an existing store (one process): the new prediction is written in a
    container beside it and swapped in when complete; a failure leaves the old one as it was."""
    staged = staged_target(target)
    try:
        report = _write_chunks(create(staged), predictor, boxes, staged, chunk, 0, 1, on_chunk)
    except BaseException:
        remove_staged(staged)
        raise
    swap_in(staged, target)
    report.path = str(target.path)
    return report


def _write_chunks(
    store: PredictionStore,
    predictor: SlidingWindowPredictor,
    boxes: list[Any],
    target: StoreTarget,
    chunk: tuple[int, ...],
    rank: int,
    world_size: int,
    on_chunk: Callable[[int, int], None] | None = None,
) -> StoreReport:
    """Predict and write this rank's unfinished chunks, marking each done after its data."""
    predictor.use_chunking(chunk, cache_bytes=chunk_cache_bytes(predictor))
    report = StoreReport(str(target.path), target.key, predictor.shape, chunk, len(boxes))
    try:
        done = store.done_flags()
        for chunk_id in range(rank, len(boxes), world_size):
            if done[chunk_id]:
                report.skipped.append(chunk_id)
            else:
                store.write(boxes[chunk_id], predictor.predict_box(boxes[chunk_id]))
                store.mark_done(chunk_id)
                report.computed.append(chunk_id)
            if on_chunk is not None:
                mine = len(range(rank, len(boxes), world_size))
                on_chunk(len(report.skipped) + len(report.computed), mine)
    finally:
        store.close()
    return report
