"""Cut-blur: a random cuboid of the image down- and up-sampled in plane (resolution loss)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from skimage.transform import resize

from connectomics.config.schema.augmentation import CutBlurConfig
from connectomics.data.augment.base import RandomSampleTransform, random_box
from connectomics.data.augment.registry import register_augmentation, section_factory


class RandCutBlurd(RandomSampleTransform):
    """Down-sample a cuboid's (y, x) by a factor from `down_ratio_range` and resample it back;
    label and mask unchanged."""

    def __init__(
        self,
        keys: Sequence[str],
        prob: float,
        length_ratio: float,
        down_ratio_range: Sequence[float],
    ) -> None:
        super().__init__(keys, prob)
        self.length_ratio = float(length_ratio)
        self.down_ratio_range = (float(down_ratio_range[0]), float(down_ratio_range[1]))
        self._box: tuple[slice, ...] = ()
        self._ratio = 2.0

    def randomize_for(self, shape: tuple[int, ...]) -> None:
        """Choose the cuboid and the down-sampling factor."""
        spatial = shape[1:]
        # At least 2 voxels in plane, so down-sampling loses something.
        self._box = random_box(self.R, spatial, max(self.length_ratio, 2.0 / min(spatial[-2:])))
        self._ratio = float(self.R.uniform(*self.down_ratio_range))

    def apply(self, index: int, array: np.ndarray) -> np.ndarray:
        """Replace the image cuboid by its low-resolution version."""
        if index != 0:
            return array
        out = array.astype(np.float32, copy=True)
        box = (slice(None), *self._box)
        region = out[box]
        small = list(region.shape)
        small[-2:] = [max(1, int(round(s / self._ratio))) for s in region.shape[-2:]]
        low = resize(region, small, order=1, anti_aliasing=True, preserve_range=True)
        out[box] = resize(low, region.shape, order=0, preserve_range=True)
        return out


register_augmentation("cut_blur")(section_factory(RandCutBlurd, CutBlurConfig))
