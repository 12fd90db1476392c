"""Training volumes smaller than the patch, padded lazily (data.pad_mode), as PyTC does."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from connectomics.data.datasets.sources import VolumeSource, spatial_shape
from connectomics.data.io import Volume
from connectomics.data.io.padded_read import read_padded

PAD_MODES = ("reflect", "replicate", "constant")


class PaddedVolume(Volume):
    """A lazy volume grown by `pad` (before, after) voxels per spatial axis; reads of the
    border are filled by `mode` (reflect, replicate, constant zeros)."""

    def __init__(self, base: Volume, pad: Sequence[tuple[int, int]], mode: str) -> None:
        self.base, self.pad, self.mode = base, tuple(pad), mode
        self.channel_axis = base.ndim == len(self.pad) + 1
        grown = tuple(s + a + b for s, (a, b) in zip(spatial_shape(base), self.pad))
        self.shape = (base.shape[0], *grown) if self.channel_axis else grown
        self.dtype = base.dtype
        self.voxel_size = base.voxel_size
        self.path, self.key = base.path, base.key

    def _open(self) -> Volume:
        return self.base

    def _read(self, region: tuple[slice, ...]) -> np.ndarray:
        spatial = region[1:] if self.channel_axis else region
        box = tuple((s.start - a, s.stop - a) for s, (a, _) in zip(spatial, self.pad))
        data = read_padded(self.base, box, self.mode, self.channel_axis)
        if self.channel_axis:
            return data[region[0]]
        return data[0]

    def __repr__(self) -> str:
        return f"PaddedVolume({self.base!r}, pad={list(self.pad)}, mode={self.mode!r})"


def pad_to_patch(
    sources: list[VolumeSource], patch: Sequence[int], mode: str
) -> list[VolumeSource]:
    """Sources whose spatial size falls short of `patch` on some axis, padded to it (split
    evenly before and after); a mask is padded with zeros (the padding is not trained on)."""
    out = []
    for source in sources:
        shape = spatial_shape(source.image)
        crop = list(patch)[-len(shape) :]
        short = [max(0, c - s) for c, s in zip(crop, shape)]
        if not any(short):
            out.append(source)
            continue
        pad = [(d // 2, d - d // 2) for d in short]
        out.append(
            VolumeSource(
                source.name,
                PaddedVolume(source.image, pad, mode),
                None if source.label is None else PaddedVolume(source.label, pad, mode),
                None if source.mask is None else PaddedVolume(source.mask, pad, "constant"),
            )
        )
    return out
