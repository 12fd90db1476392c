"""Mitochondria-like volumes: dark ellipsoids with darker membranes in textured cytoplasm."""

from __future__ import annotations

import fastremap
import numpy as np
from scipy.spatial.transform import Rotation

from connectomics.data.synthetic.texture import check_shape, finish_image, smooth_noise


def make_mitochondria_volume(
    shape: tuple[int, int, int] | list[int],
    seed: int = 0,
    n_objects: int | None = None,
    radius_range: tuple[float, float] = (3.0, 9.0),
    noise: float = 10.0,
    blur: float = 0.7,
    min_gap: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (image uint8, label uint32): randomly oriented, non-overlapping ellipsoids.

    Label ids are consecutive 1..n, background 0. With `min_gap` > 0 an object is placed only
    where it stays about `min_gap` voxels from every other one (else it is dropped), so no two
    objects touch, as mitochondria in EM rarely do. Each object has a darker rim (its
    membrane, inside the label) and a textured matrix; the cytoplasm is bright and textured.
    """
    shape = check_shape(shape)
    rng = np.random.default_rng(seed)
    if n_objects is None:
        mean_volume = 4.0 / 3.0 * np.pi * np.mean(radius_range) ** 3
        n_objects = max(1, int(0.12 * np.prod(shape) / mean_volume))
    label = np.zeros(shape, dtype=np.uint32)
    rim = np.zeros(shape, dtype=bool)
    extent = np.array(shape)
    for index in range(1, n_objects + 1):
        radii = rng.uniform(*radius_range, size=3)
        radii[0] = min(radii[0], max(1.5, extent[0] / 3))
        rotation = Rotation.random(random_state=rng).as_matrix()
        center = rng.random(3) * extent
        half = np.ceil(radii.max()).astype(int) + 1
        low = np.maximum(np.floor(center).astype(int) - half, 0)
        high = np.minimum(np.floor(center).astype(int) + half + 1, extent)
        if np.any(high <= low):
            continue
        grid = np.stack(
            np.meshgrid(*[np.arange(lo, hi) for lo, hi in zip(low, high)], indexing="ij"),
            axis=-1,
        ).astype(np.float32)
        local = (grid - center) @ rotation  # coordinates in the ellipsoid's own axes
        radius = np.sqrt(((local / radii) ** 2).sum(-1))
        box = tuple(slice(lo, hi) for lo, hi in zip(low, high))
        free = label[box] == 0
        if min_gap > 0 and not free[radius < 1.0 + min_gap / radii.min()].all():
            continue
        inside = (radius < 1.0) & free
        label[box][inside] = index
        shell = 1.0 - 1.6 / radii.min()
        rim[box] |= inside & (radius >= shell)
    label, _ = fastremap.renumber(label, in_place=True)

    clean = 190.0 + 14.0 * smooth_noise(rng, shape, (1.5, 1.5, 1.5))
    inner = (label > 0) & ~rim
    clean[inner] = 95.0 + 10.0 * smooth_noise(rng, shape, (0.8, 0.8, 0.8))[inner]
    clean[rim] = 45.0
    image = finish_image(rng, clean, blur, noise)
    return image, label.astype(np.uint32, copy=False)
