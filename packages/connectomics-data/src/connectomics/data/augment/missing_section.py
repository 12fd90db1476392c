"""Missing sections: whole image sections replaced by an almost constant fill."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from connectomics.config.schema.augmentation import MissingSectionConfig
from connectomics.data.augment.base import RandomSampleTransform
from connectomics.data.augment.registry import register_augmentation, section_factory


class RandMissingSectiond(RandomSampleTransform):
    """Replace `num_sections` random image sections by `fill_value` plus faint noise; the
    label and mask stay as they are (the network must infer through the gap)."""

    def __init__(
        self,
        keys: Sequence[str],
        prob: float,
        num_sections: int,
        fill_value: float,
        noise_std: float,
    ) -> None:
        super().__init__(keys, prob)
        self.num_sections = max(1, int(num_sections))
        self.fill_value = float(fill_value)
        self.noise_std = float(noise_std)
        self._sections = np.zeros(0, dtype=int)
        self._seed = 0

    def randomize_for(self, shape: tuple[int, ...]) -> None:
        """Choose distinct sections (never all of them when there are several)."""
        depth = shape[1]
        count = min(self.num_sections, max(1, depth - 1))
        self._sections = np.sort(self.R.choice(depth, size=count, replace=False))
        self._seed = int(self.R.randint(0, 2**31 - 1))

    def apply(self, index: int, array: np.ndarray) -> np.ndarray:
        """Blank the chosen sections of the image."""
        if index != 0:
            return array
        out = array.astype(np.float32, copy=True)
        noise = np.random.default_rng(self._seed).normal(
            0.0, self.noise_std, (out.shape[0], len(self._sections), *out.shape[2:])
        )
        out[:, self._sections] = self.fill_value + noise
        return out


register_augmentation("missing_section")(
    section_factory(RandMissingSectiond, MissingSectionConfig, (3,))
)
