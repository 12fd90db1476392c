"""Neuron-like volumes: seeded watershed cells separated by dark membranes."""

from __future__ import annotations

import fastremap
import numpy as np
from scipy import ndimage
from skimage.segmentation import find_boundaries, watershed

from connectomics.data.errors import DataError
from connectomics.data.synthetic.texture import check_shape, finish_image, smooth_noise


def make_neuron_volume(
    shape: tuple[int, int, int] | list[int],
    seed: int = 0,
    anisotropy: float = 1,
    cell_size: float = 12.0,
    membrane_intensity: float = 40.0,
    noise: float = 12.0,
    blur: float = 0.8,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (image uint8, label uint32) of densely packed cells with dark membranes.

    Cells are the watershed basins of a seed-distance field perturbed by smooth noise;
    ``anisotropy`` (z voxel size over xy voxel size) makes sections physically thicker, so
    cells span fewer z slices. ``cell_size`` is the mean cell diameter in xy voxels.
    Labels are consecutive ids 1..n covering every voxel; membranes are the cell borders.
    """
    shape = check_shape(shape)
    anisotropy = float(anisotropy)
    if anisotropy <= 0:
        raise DataError(f"anisotropy must be positive, got {anisotropy}")
    rng = np.random.default_rng(seed)
    physical = np.array(shape, dtype=float) * (anisotropy, 1.0, 1.0)
    n_cells = max(2, int(np.prod(physical) / cell_size**3 * 1.5))

    markers = np.zeros(shape, dtype=np.int32)
    points = (rng.random((n_cells, 3)) * np.array(shape)).astype(np.int64)
    markers[points[:, 0], points[:, 1], points[:, 2]] = np.arange(1, n_cells + 1)

    sampling = (anisotropy, 1.0, 1.0)
    distance = ndimage.distance_transform_edt(markers == 0, sampling=sampling)
    sigma = (cell_size / 4 / anisotropy, cell_size / 4, cell_size / 4)
    field = distance + 0.35 * cell_size * smooth_noise(rng, shape, sigma)
    label = watershed(field, markers)
    label, _ = fastremap.renumber(label.astype(np.uint32), in_place=True)

    brightness = rng.uniform(150, 215, int(label.max()) + 1).astype(np.float32)
    clean = brightness[label]
    clean += 12.0 * smooth_noise(rng, shape, (1.0 / anisotropy, 1.5, 1.5))
    if anisotropy > 1:
        # Membranes between sections are blurred out by the section thickness; draw in-plane.
        boundary = np.zeros(shape, dtype=bool)
        for axis in (1, 2):
            boundary |= _axis_boundary(label, axis)
    else:
        boundary = find_boundaries(label, mode="inner")
    clean[boundary] = membrane_intensity
    image = finish_image(rng, clean, blur, noise, anisotropy)
    return image, label.astype(np.uint32, copy=False)


def _axis_boundary(label: np.ndarray, axis: int) -> np.ndarray:
    """Voxels whose successor along ``axis`` belongs to another cell."""
    edge = np.zeros(label.shape, dtype=bool)
    before = [slice(None)] * label.ndim
    after = [slice(None)] * label.ndim
    before[axis] = slice(None, -1)
    after[axis] = slice(1, None)
    edge[tuple(before)] = label[tuple(before)] != label[tuple(after)]
    return edge
