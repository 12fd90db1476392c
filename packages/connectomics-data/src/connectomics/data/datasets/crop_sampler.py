"""Random crop positions with rejection sampling on foreground, instances and mask."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import fastremap
import numpy as np

from connectomics.data.datasets.sources import VolumeSource, spatial_shape
from connectomics.data.errors import DataError
from connectomics.data.io import Volume


@dataclass
class CropChoice:
    """Where a crop was taken and how well it met the sampling criteria."""

    volume: int
    origin: tuple[int, ...]
    accepted: bool
    tries: int
    label: np.ndarray | None = None
    mask: np.ndarray | None = None


class CropSampler:
    """Draws crop origins; volumes are picked with probability proportional to their size.

    With ``min_foreground``/``min_instances`` or a mask, candidates are rejected until one
    meets the criteria (label > 0 fraction, number of distinct ids, mask not empty); after
    ``max_tries`` the best candidate seen is used and counted in ``fallbacks``.
    """

    def __init__(
        self,
        sources: Sequence[VolumeSource],
        crop_shape: Sequence[int],
        min_foreground: float,
        min_instances: int,
        max_tries: int,
    ) -> None:
        self.sources = list(sources)
        if not self.sources:
            raise DataError("no training volumes: set data.train_image (and data.train_label)")
        self.crop_shape = tuple(int(c) for c in crop_shape)
        self.min_foreground = float(min_foreground)
        self.min_instances = int(min_instances)
        self.max_tries = max(1, int(max_tries))
        if (self.min_foreground > 0 or self.min_instances > 0) and any(
            s.label is None for s in self.sources
        ):
            raise DataError(
                "data.min_foreground / data.min_instances need labels; set data.train_label"
            )
        sizes = []
        for source in self.sources:
            shape = self.shape3d(source)
            if len(shape) != len(self.crop_shape) or any(
                c > s for c, s in zip(self.crop_shape, shape)
            ):
                raise DataError(
                    f"volume {source.image!r} (spatial shape {shape}) is smaller than the crop "
                    f"{self.crop_shape}; reduce data.patch_size or pad it with data.pad_mode=reflect"
                )
            sizes.append(float(np.prod(shape)))
        self.probabilities = np.asarray(sizes) / np.sum(sizes)
        self.fallbacks = 0
        self.checks = self.min_foreground > 0 or self.min_instances > 0

    @staticmethod
    def shape3d(source: VolumeSource) -> tuple[int, ...]:
        """Spatial shape with a 2D (y, x) volume seen as one z slice."""
        shape = spatial_shape(source.image)
        return (1, *shape) if len(shape) == 2 else shape

    def region(self, origin: Sequence[int]) -> tuple[slice, ...]:
        """The crop box at ``origin``."""
        return tuple(slice(o, o + c) for o, c in zip(origin, self.crop_shape))

    @staticmethod
    def read(volume: Volume, source: VolumeSource, region: tuple[slice, ...]) -> np.ndarray:
        """Read a 3D ``region`` of a volume of ``source`` (2D volumes are one z slice; a 4D
        image keeps its channel axis)."""
        flat = len(spatial_shape(source.image)) == 2
        if flat:
            region = region[1:]
        data = volume[(slice(None), *region) if volume.ndim == len(region) + 1 else region]
        return data[..., None, :, :] if flat else data

    def score(self, label: np.ndarray | None, mask: np.ndarray | None) -> tuple[bool, float]:
        """(meets every criterion, closeness to meeting them) of a candidate crop."""
        if mask is not None and not mask.any():
            return False, -1.0
        if not self.checks or label is None:
            return True, 0.0
        closeness, ok = 0.0, True
        if self.min_foreground > 0:
            fraction = float(np.count_nonzero(label)) / label.size
            ok &= fraction >= self.min_foreground
            closeness += min(fraction / self.min_foreground, 1.0)
        if self.min_instances > 0:
            ids = fastremap.unique(label)
            count = int(np.count_nonzero(ids))
            ok &= count >= self.min_instances
            closeness += min(count / self.min_instances, 1.0)
        return bool(ok), closeness

    def sample(self, rng: np.random.Generator) -> CropChoice:
        """Draw one crop position (rejection sampling when criteria or a mask are set)."""
        best: CropChoice | None = None
        best_score = -np.inf
        for tries in range(1, self.max_tries + 1):
            index = int(rng.choice(len(self.sources), p=self.probabilities))
            source = self.sources[index]
            shape = self.shape3d(source)
            origin = tuple(int(rng.integers(0, s - c + 1)) for s, c in zip(shape, self.crop_shape))
            if not self.checks and source.mask is None:
                return CropChoice(index, origin, True, tries)
            region = self.region(origin)
            label = self.read(source.label, source, region) if source.label is not None else None
            mask = self.read(source.mask, source, region) if source.mask is not None else None
            ok, closeness = self.score(label if self.checks else None, mask)
            candidate = CropChoice(index, origin, ok, tries, label, mask)
            if ok:
                return candidate
            if closeness > best_score:
                best, best_score = candidate, closeness
        self.fallbacks += 1
        assert best is not None
        best.tries = self.max_tries
        return best
