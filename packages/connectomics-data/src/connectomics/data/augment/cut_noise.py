"""Cut-noise: Gaussian noise inside a random cuboid of the image."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from connectomics.config.schema.augmentation import CutNoiseConfig
from connectomics.data.augment.base import RandomSampleTransform, image_range, random_box
from connectomics.data.augment.registry import register_augmentation, section_factory


class RandCutNoised(RandomSampleTransform):
    """Add noise of std `scale` to a cuboid of `length_ratio` of each axis (clipped to the
    image's range); label and mask unchanged."""

    def __init__(
        self,
        keys: Sequence[str],
        prob: float,
        length_ratio: float,
        scale: float,
    ) -> None:
        super().__init__(keys, prob)
        self.length_ratio = float(length_ratio)
        self.scale = float(scale)
        self._box: tuple[slice, ...] = ()
        self._seed = 0

    def randomize_for(self, shape: tuple[int, ...]) -> None:
        """Choose the cuboid."""
        self._box = random_box(self.R, shape[1:], self.length_ratio)
        self._seed = int(self.R.randint(0, 2**31 - 1))

    def apply(self, index: int, array: np.ndarray) -> np.ndarray:
        """Add the noise inside the cuboid of the image."""
        if index != 0:
            return array
        low, high = image_range(array)
        out = array.astype(np.float32, copy=True)
        region = out[(slice(None), *self._box)]
        scale = self.scale * max(high - low, 1e-6)
        noise = np.random.default_rng(self._seed).normal(0.0, scale, region.shape)
        out[(slice(None), *self._box)] = np.clip(region + noise, low, high)
        return out


register_augmentation("cut_noise")(section_factory(RandCutNoised, CutNoiseConfig))
