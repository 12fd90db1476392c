"""Fitting a model to an input volume: 2D models predict z-stacks section by section."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import torch

from connectomics.data.errors import DataError
from connectomics.data.inference.options import InferenceOptions


class SectionModel(torch.nn.Module):
    """Runs a 2D network on every z-section of (B, C, Z, Y, X) windows (PyTC's do_2d)."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> Any:
        """(B, C, Z, Y, X) -> (B, C_out, Z, Y, X), each section predicted alone."""
        b, c, z = x.shape[:3]
        flat = x.permute(0, 2, 1, 3, 4).reshape(b * z, c, *x.shape[3:])
        out = self.model(flat)
        out = out[0] if isinstance(out, (list, tuple)) else out
        return out.reshape(b, z, out.shape[1], *out.shape[2:]).permute(0, 2, 1, 3, 4)


class SlabModel(torch.nn.Module):
    """Runs a 3D network on a 2D image: each (B, C, Y, X) window is repeated `depth` times along
    z, and the middle section of the output is kept (a 3D model on a single section)."""

    def __init__(self, model: Any, depth: int) -> None:
        super().__init__()
        self.model = model
        self.depth = int(depth)

    def forward(self, x: torch.Tensor) -> Any:
        """(B, C, Y, X) -> (B, C_out, Y, X)."""
        slab = x.unsqueeze(2).expand(-1, -1, self.depth, -1, -1).contiguous()
        out = self.model(slab)
        out = out[0] if isinstance(out, (list, tuple)) else out
        return out[:, :, self.depth // 2]


def fit_model_to_input(
    model: Any, shape: tuple[int, ...], options: InferenceOptions, in_channels: int, where: str
) -> tuple[Any, InferenceOptions]:
    """The model and inference options for an input of `shape`.

    A 2D window on a (Z, Y, X) or (C, Z, Y, X) volume predicts it section by section: the
    window becomes (1, y, x) and the model is wrapped in SectionModel. A 3D window on a (Y, X)
    image predicts it with (y, x) windows, each repeated along z (SlabModel). The input's channel
    count must equal `in_channels` (model.in_channels); `where` names the input in errors.
    """
    window = options.window_size
    ndim = len(window)
    flips = options.tta_flip_axes
    if ndim == 2 and (len(shape) == 4 or (len(shape) == 3 and in_channels == 1)):
        if flips is not None:  # the 2D model's (y, x) axes
            flips = tuple(a + 1 for a in flips)
        elif options.tta_flip:
            flips = (1, 2)  # a section has no z to flip
        options = replace(
            options,
            window_size=(1, *window),
            overlap=(0.0, *options.overlap),
            border_padding=(0, *options.border_padding),
            tta_flip_axes=flips,
        )
        model, ndim = SectionModel(model), 3
    elif ndim == 3 and len(shape) == 2 and in_channels == 1:
        # a single (Y, X) image: 2D windows, each seen by the 3D model as a constant slab as
        # deep as its window (the depth it was trained on)
        options = replace(
            options,
            window_size=window[1:],
            overlap=options.overlap[1:],
            border_padding=options.border_padding[1:],
            tta_flip_axes=None if flips is None else tuple(a - 1 for a in flips if a),
        )
        model, ndim = SlabModel(model, window[0]), 2
    if len(shape) not in (ndim, ndim + 1):
        axes = "(Z, Y, X) or (C, Z, Y, X)" if ndim == 3 else "(Y, X) or (C, Y, X)"
        raise DataError(
            f"{where} has shape {list(shape)} but the model is {ndim}D; give a {axes} volume"
        )
    channels = shape[0] if len(shape) == ndim + 1 else 1
    if channels != in_channels:
        raise DataError(
            f"{where} has {channels} channel(s) (shape {list(shape)}) but model.in_channels="
            f"{in_channels}; give a volume with {in_channels} channel(s) "
            f"({'(C, Z, Y, X)' if in_channels > 1 else '(Z, Y, X)'}) or a matching checkpoint"
        )
    return model, options
