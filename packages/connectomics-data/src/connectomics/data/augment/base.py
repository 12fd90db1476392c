"""Shared pieces of the augmentations: type/dtype preservation and a numpy random base."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from monai.data import MetaTensor
from monai.transforms import MapTransform, Randomizable, RandomizableTransform


def to_numpy(array: Any) -> np.ndarray:
    """numpy version of a numpy array or (Meta)Tensor."""
    if isinstance(array, torch.Tensor):
        return array.detach().cpu().numpy()
    return np.asarray(array)


def restore(array: Any, like: Any) -> Any:
    """`array` converted back to the container type (numpy/torch), dtype and device of `like`.

    Integer results are rounded (nearest interpolation may come back as float).
    """
    values = to_numpy(array.as_tensor() if isinstance(array, MetaTensor) else array)
    dtype = like.dtype if isinstance(like, np.ndarray) else None
    if isinstance(like, torch.Tensor):
        dtype = torch.empty(0, dtype=like.dtype).numpy().dtype
    if dtype is not None and (np.issubdtype(dtype, np.integer) or dtype.kind == "b"):
        if not np.issubdtype(values.dtype, np.integer):
            values = np.rint(values)
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            values = np.clip(values, info.min, info.max)
    values = np.ascontiguousarray(values.astype(dtype, copy=False))
    if isinstance(like, torch.Tensor):
        return torch.from_numpy(values).to(like.device)
    return values


class PreserveTypesd(Randomizable, MapTransform):
    """Run a MONAI transform and give every key back its original type and dtype.

    With `compact_labels`, integer keys are mapped to consecutive small ids first, so large
    ids survive transforms that compute in float32 (elastic resampling) exactly.
    """

    def __init__(self, transform: Any, keys: Sequence[str], compact_labels: bool = False) -> None:
        MapTransform.__init__(self, keys, allow_missing_keys=True)
        self.transform = transform
        self.compact_labels = compact_labels

    def set_random_state(
        self, seed: int | None = None, state: np.random.RandomState | None = None
    ) -> PreserveTypesd:
        """Seed the wrapped transform."""
        super().set_random_state(seed, state)
        if isinstance(self.transform, Randomizable):
            self.transform.set_random_state(seed, state)
        return self

    def randomize(self, data: Any) -> None:
        """Randomness lives in the wrapped transform."""

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        """Apply the wrapped transform; restore types (and large label ids)."""
        sample = dict(data)
        originals = {key: sample[key] for key in self.key_iterator(sample)}
        tables = {}
        if self.compact_labels:
            for key, value in originals.items():
                array = to_numpy(value)
                if np.issubdtype(array.dtype, np.integer):
                    ids, compact = np.unique(array, return_inverse=True)
                    tables[key] = ids
                    sample[key] = compact.reshape(array.shape).astype(np.int32)
        sample = dict(self.transform(sample))
        for key, original in originals.items():
            value = sample[key]
            if key in tables:
                ids = tables[key]
                index = np.clip(np.rint(to_numpy(value)).astype(np.int64), 0, len(ids) - 1)
                value = ids[index]
            sample[key] = restore(value, original)
        return sample


class RandomSampleTransform(RandomizableTransform, MapTransform):
    """Base of the EM augmentations written here: numpy maths, types restored per key.

    Subclasses implement `randomize(shape)` (draw parameters from `self.R` after calling
    super().randomize(None)) and `apply(key_index, array) -> array` on (C, *spatial) numpy.
    """

    def __init__(self, keys: Sequence[str], prob: float) -> None:
        RandomizableTransform.__init__(self, prob)
        MapTransform.__init__(self, keys, allow_missing_keys=True)

    def randomize_for(self, shape: tuple[int, ...]) -> None:
        """Draw this call's parameters for a (C, *spatial) sample of `shape`."""
        raise NotImplementedError

    def apply(self, index: int, array: np.ndarray) -> np.ndarray:
        """Transform one key's array (`index` 0 is the image)."""
        raise NotImplementedError

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        """Draw parameters once and apply them to every present key."""
        sample = dict(data)
        present = [k for k in self.keys if k in sample]
        self.randomize(None)
        if not self._do_transform or not present:
            return sample
        self.randomize_for(tuple(to_numpy(sample[present[0]]).shape))
        for index, key in enumerate(self.keys):
            if key in sample:
                sample[key] = restore(self.apply(index, to_numpy(sample[key])), sample[key])
        return sample


def image_range(image: np.ndarray) -> tuple[float, float]:
    """Minimum and maximum of an image (for clipping noisy results back into range)."""
    return float(image.min()), float(image.max())


def random_box(rng: np.random.RandomState, shape: Sequence[int], ratio: float) -> tuple[slice, ...]:
    """A random box of about `ratio` of each axis of `shape` (at least one voxel)."""
    box = []
    for size in shape:
        length = int(np.clip(round(size * ratio), 1, size))
        start = int(rng.randint(0, size - length + 1))
        box.append(slice(start, start + length))
    return tuple(box)
