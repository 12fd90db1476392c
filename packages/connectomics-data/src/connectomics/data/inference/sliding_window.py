"""Sliding-window prediction of any box of a lazy volume on the global window grid."""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from monai.data.utils import compute_importance_map

from connectomics.data.datasets.clahe import clahe_view
from connectomics.data.datasets.normalize import (
    STATISTIC_MODES,
    dataset_statistics,
    normalize_image,
)
from connectomics.data.datasets.scale_range import volume_scale_range
from connectomics.data.datasets.volume_normalize import PER_VOLUME_MODES, warn_intensity_shift
from connectomics.data.errors import DataError
from connectomics.data.inference.activation import ActivationPlan
from connectomics.data.inference.fast_model import fast_model
from connectomics.data.inference.options import InferenceOptions, OptionError, resolve_options
from connectomics.data.inference.tta import build_tta_transforms
from connectomics.data.inference.window_grid import Box, WindowGrid, chunk_boxes
from connectomics.data.io import open_volume
from connectomics.data.io.padded_read import read_padded
from connectomics.data.io.volume import require_all_chunks
from connectomics.data.sizing import available_memory, require_in_memory

Model = Callable[[torch.Tensor], Any]
_NUMPY_DTYPES = {"float32": np.float32, "float16": np.float16, "uint8": np.uint8}


def open_input(image: Any) -> Any:
    """A lazy array for `image`: arrays pass through, a path opens via connectomics.data.io."""
    if isinstance(image, (str, Path)):
        return open_volume(str(image))
    if not hasattr(image, "shape") or not hasattr(image, "__getitem__"):
        raise DataError(
            f"inference input of type {type(image).__name__} is not a volume; pass a numpy, "
            "h5py or zarr array, a connectomics.data.io Volume or a path"
        )
    return image


def _input_name(image: Any) -> str:
    """The input's path (a Volume's), or 'the input volume'."""
    path = getattr(image, "path", None)
    return str(path) if path else "the input volume"


def _has_channel_axis(shape: tuple[int, ...], ndim: int) -> bool:
    if len(shape) == ndim:
        return False
    if len(shape) == ndim + 1:
        return True
    axes = "(Z, Y, X) or (C, Z, Y, X)" if ndim == 3 else "(Y, X) or (C, Y, X)"
    raise DataError(
        f"inference input has shape {list(shape)} but the window {ndim}D; give {axes} "
        "or a window with as many axes as the volume"
    )


def _resolve_device(model: Model, device: str | None) -> torch.device:
    if device is not None:
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise OptionError("inference device 'cuda' was asked for but CUDA is not available")
        return torch.device(device)
    if isinstance(model, torch.nn.Module):
        for tensor in model.parameters():
            return tensor.device
    return torch.device("cpu")


@contextlib.contextmanager
def eval_mode(model: Model, device: torch.device) -> Iterator[None]:
    """Put a torch module in eval mode on `device`, restoring its training flag afterwards."""
    if not isinstance(model, torch.nn.Module):
        yield
        return
    was_training = model.training
    model.to(device)
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def _window_slices(start: tuple[int, ...], window: tuple[int, ...], box: Box) -> tuple:
    """(slices inside the window, slices inside the box) of the window's overlap with `box`."""
    win, dst = [], []
    for s, w, (a, b) in zip(start, window, box):
        lo, hi = max(s, a), min(s + w, b)
        win.append(slice(lo - s, hi - s))
        dst.append(slice(lo - a, hi - a))
    return tuple(win), tuple(dst)


class SlidingWindowPredictor:
    """Predicts boxes of one input volume; every box uses the same global window grid."""

    def __init__(self, model: Model, image: Any, options: InferenceOptions):
        self.model = model
        self.image = require_all_chunks(open_input(image))
        self.options = options
        self.channel_axis = _has_channel_axis(tuple(self.image.shape), options.ndim)
        self.shape = tuple(int(s) for s in self.image.shape[-options.ndim :])
        border = options.border_padding or (0,) * options.ndim
        self.grid = WindowGrid.build(self.shape, options.window_size, options.overlap, border)
        self.device = _resolve_device(model, options.device)
        cin = self.image.shape[0] if self.channel_axis else 1
        self.model = fast_model(model, options, self.device, cin)
        self.importance = compute_importance_map(
            options.window_size, options.blending, options.sigma_scale, self.device
        )
        self.augmentations = build_tta_transforms(
            options.ndim,
            options.window_size,
            options.tta_flip,
            options.tta_transpose,
            options.tta_flip_axes,
        )
        self.stats = options.stats()
        self.scale: tuple[float, float] | None = None
        self._normalization_ready = False
        self.plan: ActivationPlan | None = None
        self._chunk: tuple[int, ...] | None = None
        self._cache_bytes = 0
        self._cached_bytes = 0
        self._cache: OrderedDict[tuple[int, ...], torch.Tensor] = OrderedDict()

    def prepare_normalization(self) -> None:
        """Read the input's statistics (or scale range) normalization needs, once; callers that
        size the job first call this after their size checks, since it reads the volume."""
        if self._normalization_ready:
            return
        options = self.options
        if options.normalize in PER_VOLUME_MODES:
            train_stats, self.stats = self.stats, dataset_statistics([self.image])
            warn_intensity_shift(self.stats, train_stats)
        elif options.normalize in STATISTIC_MODES and self.stats is None:
            self.stats = dataset_statistics([self.image])
        elif self.stats is not None:
            warn_intensity_shift(dataset_statistics([self.image]), self.stats)
        if options.normalize == "scale":
            self.scale = volume_scale_range(self.image, _input_name(self.image))
        # after the statistics (of the raw input, as in training): windows read equalized
        self.image = clahe_view(self.image, options.normalize, options.clahe, self.stats)
        self._normalization_ready = True

    def _forward(self, batch: torch.Tensor) -> torch.Tensor:
        use_amp = self.options.amp and self.device.type in ("cuda", "cpu")
        amp_dtype = torch.float16 if self.device.type == "cuda" else torch.bfloat16
        with torch.autocast(self.device.type, dtype=amp_dtype, enabled=use_amp):
            out = self.model(batch)
        if isinstance(out, (list, tuple)):
            out = out[0]  # deep supervision: finest scale first
        if tuple(out.shape[2:]) != tuple(batch.shape[2:]) or out.shape[0] != batch.shape[0]:
            raise DataError(
                f"the model maps a window batch {list(batch.shape)} to {list(out.shape)}; "
                "sliding-window inference needs (B, C, *window) outputs of the same size "
                "(use 'same' padding or a window that is a multiple of the model's patch_multiple)"
            )
        if out.untyped_storage().data_ptr() == batch.untyped_storage().data_ptr():
            out = out.clone()  # the model returned (a view of) its input: keep our buffer intact
        out = out.float()
        if self.plan is None:
            self.plan = ActivationPlan.build(self.options.activation, out.shape[1])
            selected = self.options.output_channels
            if selected is not None and max(selected) >= out.shape[1]:
                raise OptionError(
                    f"inference.output_channels={list(selected)} asks for a channel the model "
                    f"does not have (it outputs {out.shape[1]}); use indices < {out.shape[1]}"
                )
        self.plan.apply_(out)
        if self.options.output_channels is not None:
            out = out[:, list(self.options.output_channels)]
        return out

    def output_channels(self) -> int:
        """Channel count of the prediction (runs the model on one zero window if not yet known)."""
        if self.plan is None:
            cin = self.image.shape[0] if self.channel_axis else 1
            probe = torch.zeros((1, cin, *self.options.window_size), device=self.device)
            with eval_mode(self.model, self.device), torch.inference_mode():
                self._forward(probe)
        assert self.plan is not None
        selected = self.options.output_channels
        return len(selected) if selected is not None else self.plan.n_channels

    def _read(self, region: Box) -> torch.Tensor:
        self.prepare_normalization()  # before the read: "clahe" reads an equalized view
        block = read_padded(self.image, region, self.options.padding_mode, self.channel_axis)
        if block.dtype.kind in "fc" and not np.isfinite(block).all():
            bad = int(np.count_nonzero(~np.isfinite(block)))
            box = ", ".join(f"{a}:{b}" for a, b in region)
            raise DataError(
                f"{_input_name(self.image)}: the box [{box}] holds {bad} NaN/inf voxel(s); clean "
                "the image volume first (e.g. numpy.nan_to_num) or predict another region"
            )
        block = normalize_image(block, self.options.normalize, self.stats, scale=self.scale)
        return torch.from_numpy(block)

    def predict_box(self, box: Box) -> np.ndarray:
        """Blended prediction of `box` (C, *box shape) in the output dtype."""
        with eval_mode(self.model, self.device), torch.inference_mode():
            return self._to_output(self._blend(box))

    def use_chunking(self, chunk: tuple[int, ...], cache_bytes: int) -> None:
        """Boxes will be chunks of this size, visited in C order: a window that straddles a
        chunk border is computed once and kept (up to `cache_bytes`) for the later chunks."""
        self._chunk = tuple(int(c) for c in chunk)
        self._cache_bytes = int(cache_bytes)
        self._cache.clear()
        self._cached_bytes = 0

    def _last_chunk(self, start: tuple[int, ...]) -> tuple[int, ...]:
        """Grid index of the last chunk (C order) that window `start` touches."""
        assert self._chunk is not None
        return tuple(
            max(0, min((s + w - 1) // c, (n - 1) // c))
            for s, w, c, n in zip(start, self.options.window_size, self._chunk, self.shape)
        )

    def _window_outputs(self, group: list[tuple[int, ...]]) -> torch.Tensor:
        """Sum over test-time augmentations of the model output of each window in `group`.

        Each window is read on its own (padded at the volume's borders), never the bounding
        box of the group, so a batch costs the memory of its windows wherever they lie.
        """
        window = self.options.window_size
        batch = torch.stack(
            [self._read(tuple((s, s + w) for s, w in zip(start, window))) for start in group]
        ).to(self.device)
        total: torch.Tensor | None = None
        for aug in self.augmentations:
            out = aug.invert(self._forward(aug.apply(batch)))
            total = out if total is None else total.add_(out)
        assert total is not None
        return total

    def _group(self, start: tuple[int, ...]) -> int:
        """Batch of a window: batch_size consecutive windows of the grid in C order, fixed
        globally, so every batch is full (but the last) and a window is always computed in
        the same batch whatever the chunking."""
        return self.grid.flat_index(start) // self.options.batch_size

    def _members(self, group: int) -> list[tuple[int, ...]]:
        """The windows of a batch group, in grid order."""
        first = group * self.options.batch_size
        return self.grid.windows_at(
            range(first, min(first + self.options.batch_size, len(self.grid)))
        )

    def _blend(self, box: Box) -> torch.Tensor:
        """Blend every window touching `box`, in global grid order, so that each voxel sums
        the same window outputs in the same order whatever the chunking."""
        opts = self.options
        windows = self.grid.windows_touching(box)
        box_shape = tuple(b - a for a, b in box)
        weights = torch.zeros(box_shape, device=self.device)
        acc: torch.Tensor | None = None
        here = tuple(a // c for (a, _), c in zip(box, self._chunk)) if self._chunk else None
        computed: dict[tuple[int, ...], torch.Tensor] = {}
        for start in windows:
            if start in self._cache:
                out = self._cache[start]
            else:
                if start not in computed:
                    members = self._members(self._group(start))
                    outs = self._window_outputs(members)
                    computed = {w: outs[i] for i, w in enumerate(members)}
                    if here is not None:
                        for w in members:
                            if w != start and self._last_chunk(w) > here:
                                self._remember(w, outs[members.index(w)].clone())
                out = computed[start]
                if here is not None and self._last_chunk(start) > here:
                    self._remember(start, out.clone())
            win, dst = _window_slices(start, opts.window_size, box)
            if acc is None:
                acc = torch.zeros((out.shape[0], *box_shape), device=self.device)
            acc[(slice(None), *dst)].addcmul_(out[(slice(None), *win)], self.importance[win])
            weights[dst] += self.importance[win]
        if here is not None:
            for w in [w for w in self._cache if self._last_chunk(w) <= here]:
                self._forget(w)
        assert acc is not None
        # each window holds the sum over augmentations: the mean over them, blended
        return acc.div_(weights.mul_(len(self.augmentations)))

    def _remember(self, start: tuple[int, ...], out: torch.Tensor) -> None:
        """Keep a window output for later chunks; the oldest go first beyond the byte budget."""
        size = out.numel() * out.element_size()
        if size > self._cache_bytes:
            return
        self._cache[start] = out
        self._cached_bytes += size
        while self._cached_bytes > self._cache_bytes:
            _, dropped = self._cache.popitem(last=False)
            self._cached_bytes -= dropped.numel() * dropped.element_size()

    def _forget(self, start: tuple[int, ...]) -> None:
        dropped = self._cache.pop(start)
        self._cached_bytes -= dropped.numel() * dropped.element_size()

    def _to_output(self, pred: torch.Tensor) -> np.ndarray:
        dtype = self.options.output_dtype
        if dtype == "uint8":
            assert self.plan is not None
            channels = self.options.output_channels or range(self.plan.n_channels)
            ranges = torch.tensor(
                [self.plan.value_range(c) for c in channels], device=pred.device
            ).view(-1, 2, *([1] * (pred.ndim - 1)))
            low, high = ranges[:, 0], ranges[:, 1]
            pred = ((pred - low) / (high - low)).clamp_(0.0, 1.0).mul_(255.0).round_()
        return pred.cpu().numpy().astype(_NUMPY_DTYPES[dtype], copy=False)


def output_scale(predictor: SlidingWindowPredictor) -> list[list[float]]:
    """Per channel (low, high): stored value v means low + v / 255 * (high - low) for uint8."""
    assert predictor.plan is not None
    channels = predictor.options.output_channels or range(predictor.plan.n_channels)
    return [list(predictor.plan.value_range(c)) for c in channels]


def predict_volume(
    model: Model,
    image: Any,
    chunk_size: Any = None,
    *,
    options: InferenceOptions | None = None,
    **keywords: Any,
) -> np.ndarray:
    """Sliding-window prediction of a whole volume in memory: (C, *spatial) array.

    `model` maps (B, Cin, *window) to (B, Cout, *window) logits (a list/tuple: the first is
    used). `image` is (Z, Y, X), (C, Z, Y, X), or 2D with a 2D window. `chunk_size` bounds the
    device memory by predicting chunk after chunk (same result as None). `options` is an
    `InferenceOptions`; instead of it, keywords build one (`InferenceOptions.from_keywords`:
    window_size, overlap, blending, tta_flip, activation, ...).
    """
    predictor = SlidingWindowPredictor(model, image, resolve_options(options, **keywords))
    # at least one float32 output channel and its blending weight are held in memory (the
    # channel count is known only after a forward pass, which would cost a batch here)
    require_in_memory(
        repr(predictor.image),
        predictor.shape,
        np.float32,
        "predicting the whole volume in memory",
        "predict it out of core into a store instead (connectomics predict --output pred.zarr)",
        extra_per_voxel=4,
    )
    full: Box = tuple((0, s) for s in predictor.shape)
    if chunk_size is None:
        return predictor.predict_box(full)
    chunk = tuple(int(c) for c in chunk_size)
    if len(chunk) != len(predictor.shape) or min(chunk) < 1:
        raise OptionError(f"chunk_size={list(chunk)} needs {len(predictor.shape)} positive sizes")
    predictor.use_chunking(chunk, cache_bytes=chunk_cache_bytes(predictor))
    out: np.ndarray | None = None
    for box in chunk_boxes(predictor.shape, chunk):
        part = predictor.predict_box(box)
        if out is None:
            out = np.empty((part.shape[0], *predictor.shape), dtype=part.dtype)
        out[(slice(None), *(slice(a, b) for a, b in box))] = part
    if out is None:
        raise OptionError(
            f"nothing to predict: the volume of shape {list(predictor.shape)} is empty"
        )
    return out


def chunk_cache_bytes(predictor: SlidingWindowPredictor) -> int:
    """Bytes of window outputs worth keeping between chunks: every window of one slab of the
    grid (as deep as a window) so that none is recomputed, at most a quarter of free memory."""
    window = predictor.options.window_size
    starts = predictor.grid.starts
    stride = max(1, starts[0][1] - starts[0][0]) if len(starts[0]) > 1 else window[0]
    windows = (-(-window[0] // stride) + 1) * int(np.prod([len(s) for s in starts[1:]]))
    channels = predictor.plan.n_channels if predictor.plan is not None else 4
    slab = windows * channels * int(np.prod(window)) * 4
    return int(min(slab, available_memory() // 4))
