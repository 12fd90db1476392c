"""Per-section directional motion blur of the image."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage as ndi
from skimage.draw import line

from connectomics.config.schema.augmentation import MotionBlurConfig
from connectomics.data.augment.base import RandomSampleTransform
from connectomics.data.augment.registry import register_augmentation, section_factory


def line_kernel(size: int, angle: float) -> np.ndarray:
    """Normalised (size, size) kernel: a line through the centre at `angle` radians."""
    half = (size - 1) / 2
    dy, dx = half * np.sin(angle), half * np.cos(angle)
    rows, cols = line(
        int(round(half - dy)), int(round(half - dx)), int(round(half + dy)), int(round(half + dx))
    )
    kernel = np.zeros((size, size), np.float32)
    kernel[rows, cols] = 1.0
    return kernel / kernel.sum()


class RandMotionBlurd(RandomSampleTransform):
    """Blur `sections` random sections of the image along a random direction (stage drift
    during one exposure); label and mask unchanged."""

    def __init__(self, keys: Sequence[str], prob: float, sections: int, kernel_size: int) -> None:
        super().__init__(keys, prob)
        self.sections = max(1, int(sections))
        self.kernel_size = max(3, int(kernel_size) | 1)  # odd, so the blur stays centred
        self._chosen = np.zeros(0, dtype=int)
        self._kernel = np.ones((1, 1), np.float32)

    def randomize_for(self, shape: tuple[int, ...]) -> None:
        """Choose the sections and the blur direction."""
        depth = shape[1] if len(shape) == 4 else 1
        self._chosen = np.sort(self.R.choice(depth, size=min(self.sections, depth), replace=False))
        self._kernel = line_kernel(self.kernel_size, self.R.uniform(0, np.pi))

    def apply(self, index: int, array: np.ndarray) -> np.ndarray:
        """Convolve the chosen image sections with the line kernel."""
        if index != 0:
            return array
        out = array.astype(np.float32, copy=True)
        kernel = self._kernel[None, None]
        if out.ndim == 3:
            return ndi.convolve(out, kernel[0], mode="reflect")
        out[:, self._chosen] = ndi.convolve(out[:, self._chosen], kernel, mode="reflect")
        return out


register_augmentation("motion_blur")(section_factory(RandMotionBlurd, MotionBlurConfig))
