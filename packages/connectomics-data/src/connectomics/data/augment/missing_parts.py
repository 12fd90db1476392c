"""Missing parts: a hole (blanked region) in one section of the image."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from connectomics.config.schema.augmentation import MissingPartsConfig
from connectomics.data.augment.base import RandomSampleTransform
from connectomics.data.augment.registry import register_augmentation, section_factory


class RandMissingPartsd(RandomSampleTransform):
    """Blank an elliptical hole of up to `max_size_ratio` of the section size in one random
    section (the whole image for 2D); label and mask unchanged."""

    def __init__(
        self,
        keys: Sequence[str],
        prob: float,
        max_size_ratio: float,
        fill_value: float,
    ) -> None:
        super().__init__(keys, prob)
        self.max_size_ratio = float(np.clip(max_size_ratio, 0.05, 1.0))
        self.fill_value = float(fill_value)
        self._hole: np.ndarray | None = None
        self._section = 0

    def randomize_for(self, shape: tuple[int, ...]) -> None:
        """Choose the section and the hole's centre and radii."""
        plane = shape[-2:]
        self._section = int(self.R.randint(0, shape[1])) if len(shape) == 4 else 0
        centre = [self.R.uniform(0, s) for s in plane]
        radii = [max(1.0, self.R.uniform(0.25, 0.5) * self.max_size_ratio * s) for s in plane]
        yy, xx = np.ogrid[: plane[0], : plane[1]]
        self._hole = ((yy - centre[0]) / radii[0]) ** 2 + ((xx - centre[1]) / radii[1]) ** 2 <= 1
        if not self._hole.any():
            self._hole[int(min(centre[0], plane[0] - 1)), int(min(centre[1], plane[1] - 1))] = True

    def apply(self, index: int, array: np.ndarray) -> np.ndarray:
        """Fill the hole in the image."""
        if index != 0:
            return array
        out = array.copy()
        section = out[:, self._section] if out.ndim == 4 else out
        section[:, self._hole] = self.fill_value
        return out


register_augmentation("missing_parts")(section_factory(RandMissingPartsd, MissingPartsConfig))
