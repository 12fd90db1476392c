"""Section misalignment: one slipped section, or all sections after a random z translated."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage as ndi

from connectomics.config.schema.augmentation import MisalignmentConfig
from connectomics.data.augment.base import RandomSampleTransform
from connectomics.data.augment.registry import register_augmentation, section_factory


class RandMisalignmentd(RandomSampleTransform):
    """Shift section(s) in (y, x) by up to `max_displacement` voxels, identically on every key
    (image, label, mask), so labels stay aligned with the misaligned image. Vacated borders
    repeat the edge (no library implements this EM-specific artefact)."""

    def __init__(
        self,
        keys: Sequence[str],
        prob: float,
        max_displacement: int,
        slip_ratio: float,
    ) -> None:
        super().__init__(keys, prob)
        self.max_displacement = max(1, int(max_displacement))
        self.slip_ratio = float(slip_ratio)
        self._z = 1
        self._slip = False
        self._shift = (0, 0)

    def randomize_for(self, shape: tuple[int, ...]) -> None:
        """Pick the section, slip or translation, and a nonzero displacement."""
        self._z = int(self.R.randint(1, shape[1])) if shape[1] > 1 else 0
        self._slip = bool(self.R.rand() < self.slip_ratio)
        shift = (0, 0)
        while shift == (0, 0):
            shift = tuple(
                int(v) for v in self.R.randint(-self.max_displacement, self.max_displacement + 1, 2)
            )
        self._shift = shift

    def apply(self, index: int, array: np.ndarray) -> np.ndarray:
        """Shift the chosen section (slip) or sections z.. (translation)."""
        out = array.copy()
        stop = self._z + 1 if self._slip else None
        block = array[:, self._z : stop]
        out[:, self._z : stop] = ndi.shift(block, (0, 0, *self._shift), order=0, mode="nearest")
        return out


register_augmentation("misalignment")(section_factory(RandMisalignmentd, MisalignmentConfig, (3,)))
