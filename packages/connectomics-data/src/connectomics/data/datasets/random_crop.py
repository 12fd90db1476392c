"""`RandomCropDataset`: a virtual epoch of random (or per-index fixed) crops from volumes."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from connectomics.config.schema import DataConfig
from connectomics.data.datasets.clahe import clahe_view
from connectomics.data.datasets.crop_sampler import CropSampler
from connectomics.data.datasets.normalize import normalize_image
from connectomics.data.datasets.scale_range import volume_scale_range
from connectomics.data.datasets.sources import VolumeSource
from connectomics.data.datasets.volume_normalize import PER_VOLUME_MODES, volume_stats
from connectomics.data.errors import DataError

DEFAULTS = DataConfig()  # the schema's defaults, for direct use of the dataset


class RandomCropDataset(Dataset):
    """Random crops of ``patch_size`` from one or many volumes, ``length`` per epoch.

    Samples are dicts with ``image`` float32 (C, *spatial), ``label`` int64 (1, *spatial),
    optional ``mask`` float32 and ``meta``; ``transform`` (augmentations then targets) is
    applied last. A 2-element ``patch_size`` draws single z slices, giving (C, Y, X) crops.

    The dataset owns all of its randomness (no worker_init_fn is needed): with
    ``deterministic=True`` index i always gives the same crop and augmentation (seeded by
    ``seed`` and i), as validation needs, and any index >= 0 is valid (an EpochStreamSampler
    gives every epoch its own indices, so training is reproducible with any number of workers
    and resumes exactly); otherwise each process draws crops and augmentation states from its
    own generator seeded by ``torch.initial_seed()``, which differs between workers and runs.
    """

    def __init__(
        self,
        sources: Sequence[VolumeSource],
        patch_size: Sequence[int],
        length: int,
        transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        normalize: str = DEFAULTS.normalize,
        min_foreground: float = DEFAULTS.min_foreground,
        min_instances: int = DEFAULTS.min_instances,
        reject_max_tries: int = DEFAULTS.reject_max_tries,
        deterministic: bool = False,
        seed: int = 0,
        normalize_stats: Any = None,
        clahe: Any = None,
    ) -> None:
        patch_size = tuple(int(p) for p in patch_size)
        if len(patch_size) not in (2, 3) or min(patch_size) < 1:
            raise DataError(
                f"data.patch_size must be (z, y, x) or (y, x) positive sizes, got {patch_size}"
            )
        if int(length) < 1:
            raise DataError(f"dataset length (crops per epoch) must be >= 1, got {length}")
        self.patch_size = patch_size
        self.is_2d = len(patch_size) == 2
        crop = (1, *patch_size) if self.is_2d else patch_size
        if normalize == "clahe":  # crops read equalized sections (the whole volume's values)
            clahe = clahe if clahe is not None else DEFAULTS.clahe
            sources = [replace(s, image=clahe_view(s.image, normalize, clahe)) for s in sources]
        self.sampler = CropSampler(sources, crop, min_foreground, min_instances, reject_max_tries)
        self.sources = self.sampler.sources
        self.length = int(length)
        self.transform = transform
        self.normalize = normalize
        self.normalize_stats = None if normalize_stats is None else dict(normalize_stats)
        if normalize == "clahe":  # the views equalize with their volume's statistics already
            self.volume_stats: list[Any] = [None] * len(self.sources)
        elif normalize in PER_VOLUME_MODES:  # each source by its own statistics
            self.volume_stats = [volume_stats(s.image) for s in self.sources]
        else:
            self.volume_stats = [self.normalize_stats] * len(self.sources)
            normalize_image(np.zeros(1, np.uint8), normalize, self.normalize_stats)  # check early
        # the range "scale" maps to [0, 1], decided once per volume (not per crop)
        self.scale_ranges: list[tuple[float, float] | None] = [
            volume_scale_range(s.image, s.name) if normalize == "scale" else None
            for s in self.sources
        ]
        self.deterministic = deterministic
        self.seed = int(seed)
        self._rng: np.random.Generator | None = None
        self._rng_owner: tuple[int, int] | None = None
        self._randomizables: list[Any] | None = None

    def __len__(self) -> int:
        return self.length

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_rng"] = None
        state["_rng_owner"] = None
        state["_randomizables"] = None
        return state

    def rng_for(self, index: int) -> np.random.Generator:
        """The generator for ``index``: fixed per index, or this process's own stream."""
        if self.deterministic:
            return np.random.default_rng([self.seed, int(index)])
        info = torch.utils.data.get_worker_info()
        owner = (os.getpid(), -1 if info is None else info.id)
        if self._rng is None or self._rng_owner != owner:
            # DDP ranks may share torch's seed (seed_everything), so the rank is mixed in too.
            distributed = torch.distributed.is_available() and torch.distributed.is_initialized()
            rank = torch.distributed.get_rank() if distributed else 0
            self._rng = np.random.default_rng([torch.initial_seed(), owner[1] + 1, rank])
            self._rng_owner = owner
        return self._rng

    def reseed_augmentation(self, index: int) -> None:
        """Give every random transform a state drawn from (seed, index), or from this
        process's stream when not deterministic."""
        if self._randomizables is None:
            self._randomizables = _randomizables(self.transform)
        if self._randomizables:
            count = len(self._randomizables)
            if self.deterministic:
                seeds = np.random.SeedSequence([self.seed, int(index), 1]).generate_state(count)
            else:
                seeds = self.rng_for(index).integers(2**32, size=count, dtype=np.uint64)
            for transform, seed in zip(self._randomizables, seeds):
                # reseed in place: set_random_state builds new generators (and a Compose
                # rebuilds all of its children's), ~1000x slower per item
                transform.R.seed(int(seed))

    def __getitem__(self, index: int) -> dict[str, Any]:
        low = 0 if self.deterministic else -self.length
        if not low <= index < (2**62 if self.deterministic else self.length):
            raise IndexError(f"index {index} out of range for {self.length} crops")
        choice = self.sampler.sample(self.rng_for(index))
        source = self.sources[choice.volume]
        region = self.sampler.region(choice.origin)
        image = self.sampler.read(source.image, source, region)
        if image.ndim == len(region):
            image = image[None]
        if image.dtype.kind in "fc" and not np.isfinite(image).all():
            raise DataError(
                f"{source.name}: the crop at {choice.origin} holds "
                f"{int(np.count_nonzero(~np.isfinite(image)))} NaN/inf voxel(s); clean the "
                "image volume first (e.g. numpy.nan_to_num) or mask those regions"
            )
        sample: dict[str, Any] = {
            "image": normalize_image(
                image,
                self.normalize,
                self.volume_stats[choice.volume],
                scale=self.scale_ranges[choice.volume],
            )
        }
        if source.label is not None:
            label = choice.label
            if label is None:
                label = self.sampler.read(source.label, source, region)
            sample["label"] = label[None].astype(np.int64)
        if source.mask is not None:
            mask = (
                choice.mask
                if choice.mask is not None
                else self.sampler.read(source.mask, source, region)
            )
            sample["mask"] = (mask[None] > 0).astype(np.float32)
        if self.is_2d:
            for key in ("image", "label", "mask"):
                if key in sample:
                    sample[key] = sample[key][:, 0]
        for key in ("image", "label", "mask"):
            if key in sample:
                sample[key] = torch.from_numpy(np.ascontiguousarray(sample[key]))
        sample["meta"] = {
            "volume": source.name,
            "origin": choice.origin,
            "accepted": choice.accepted,
        }
        if self.transform is not None:
            self.reseed_augmentation(index)
            sample = self.transform(sample)
        return sample

    @property
    def fallbacks(self) -> int:
        """Crops (in this process) taken as best-seen after reject_max_tries failed tries."""
        return self.sampler.fallbacks


def _randomizables(transform: Any) -> list[Any]:
    """Every MONAI randomizable transform reachable from `transform` (Compose lists, wrappers
    and the array transforms that dictionary transforms keep as attributes), each once."""
    from monai.transforms import Randomizable

    found, stack, seen = [], [transform], set()
    while stack:
        item = stack.pop(0)
        if item is None or id(item) in seen or isinstance(item, str | bytes | np.ndarray):
            continue
        seen.add(id(item))
        if isinstance(item, Randomizable):
            found.append(item)
        if isinstance(item, list | tuple):
            stack.extend(item)
        elif callable(item) and hasattr(item, "__dict__"):
            stack.extend(
                value
                for value in vars(item).values()
                if isinstance(value, list | tuple) or callable(value)
            )
    return found
