"""The dataset fingerprint: what a plan needs to know about an image (and its labels).

Read out of core, in z slabs through the lazy readers of `connectomics.data.io`; label
statistics use compiled libraries (fastremap to renumber, cc3d for components and per-object
bounding boxes), so a 250^3 volume takes seconds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.io.open import open_volume_auto
from connectomics.data.io.volume import Volume
from connectomics.data.io.voxel_size import read_voxel_size

IMAGE_KEYS = ("raw", "image", "main", "volumes/raw")
LABEL_KEYS = ("label", "labels", "seg", "volumes/labels/neuron_ids")
SLAB_VOXELS = 2**25  # voxels read at once (32 M: 128 MB of uint32 labels)
INTENSITY_SAMPLES = 2**20  # voxels kept for the intensity statistics
WHOLE_CC_VOXELS = 2**27  # binary labels this small get connected components in one piece


@dataclass
class Fingerprint:
    """Shape, dtype, intensities, voxel size and (with labels) object statistics of a volume."""

    shape: tuple[int, int, int]
    dtype: str
    voxel_size: tuple[float, float, float]
    voxel_size_source: str  # "file" or "--voxel-size"
    intensity: dict[str, float]
    # label statistics (None without labels)
    num_objects: int | None = None
    background_fraction: float | None = None
    touching_fraction: float | None = None
    label_kind: str | None = None  # "instance" (ids) or "binary" (components counted)
    # per-axis object extent in nm (z, y, x): percentiles 10, 50, 90 of bounding boxes,
    # weighted by object volume (the size of the object a random foreground voxel is in)
    diameter_nm: dict[str, list[float]] = field(default_factory=dict)

    @property
    def anisotropy(self) -> float:
        """z spacing over the finer in-plane spacing."""
        return self.voxel_size[0] / min(self.voxel_size[1:])

    @property
    def median_diameter_nm(self) -> tuple[float, float, float] | None:
        """Median object extent (nm) per axis, or None without labels."""
        median = self.diameter_nm.get("p50")
        return None if median is None else (median[0], median[1], median[2])

    def as_dict(self) -> dict[str, Any]:
        """Plain values (for YAML comments and tests)."""
        return asdict(self)


def parse_voxel_size(text: str) -> tuple[float, float, float]:
    """'Z,Y,X' in nm (e.g. '50,4,4') as a positive float triple, or a DataError."""
    try:
        values = tuple(float(v) for v in text.replace("x", ",").split(","))
    except ValueError:
        values = ()
    if len(values) != 3 or min(values) <= 0:
        raise DataError(
            f"--voxel-size {text!r}: give three positive sizes in nm, Z,Y,X (e.g. 50,4,4)"
        )
    return (values[0], values[1], values[2])


def resolve_voxel_size(
    image: str, label: str | None, given: tuple[float, float, float] | None
) -> tuple[tuple[float, float, float], str]:
    """The voxel size and where it came from: the flag wins over the file; none is an error."""
    if given is not None:
        return given, "--voxel-size"
    for spec in (image, label):
        if spec:
            stored = read_voxel_size(spec)
            if stored is not None:
                return stored, "file"
    raise DataError(
        f"{image} records no voxel size; give it in nm with --voxel-size Z,Y,X "
        "(e.g. --voxel-size 50,4,4 for serial sections); the plan does not guess it"
    )


def _slabs(volume: Volume) -> list[slice]:
    depth = volume.shape[0]
    section = int(np.prod(volume.shape[1:]))
    step = max(1, SLAB_VOXELS // max(section, 1))
    chunks = getattr(volume, "chunks", None)
    if chunks:
        step = max(int(chunks[0]), step // int(chunks[0]) * int(chunks[0]))
    return [slice(z, min(z + step, depth)) for z in range(0, depth, step)]


def intensity_stats(volume: Volume) -> dict[str, float]:
    """Robust percentiles (0.5, 50, 99.5), mean and std of a strided sample of sections."""
    depth = volume.shape[0]
    sections = np.unique(np.linspace(0, depth - 1, min(depth, 16)).astype(int))
    per_section = max(1, INTENSITY_SAMPLES // len(sections))
    stride = max(1, int(np.sqrt(np.prod(volume.shape[1:]) / per_section)))
    sample = np.concatenate(
        [np.asarray(volume[int(z), ::stride, ::stride], np.float64).ravel() for z in sections]
    )
    low, median, high = np.percentile(sample, [0.5, 50, 99.5])
    return {
        "p0.5": float(low),
        "p50": float(median),
        "p99.5": float(high),
        "mean": float(sample.mean()),
        "std": float(sample.std()),
    }


def _touching_ids(block: np.ndarray, first_axis: int = 0) -> np.ndarray:
    """Ids of objects sharing a face with another object (no background between)."""
    found = []
    for axis in range(first_axis, block.ndim):
        a = np.moveaxis(block, axis, 0)[:-1]
        b = np.moveaxis(block, axis, 0)[1:]
        contact = (a != b) & (a > 0) & (b > 0)
        found += [a[contact], b[contact]]
    return np.unique(np.concatenate(found)) if found else np.zeros(0, block.dtype)


def _components(block: np.ndarray, per_section: bool) -> np.ndarray:
    """6-connected components of a mask, in 3D or per z section (ids unique in the block)."""
    import cc3d

    if not per_section:
        return cc3d.connected_components(block > 0, connectivity=6)
    out = np.zeros(block.shape, np.uint32)
    offset = 0
    for z in range(block.shape[0]):
        section = cc3d.connected_components(block[z] > 0, connectivity=4).astype(np.uint32)
        out[z] = np.where(section > 0, section + offset, 0)
        offset += int(section.max())
    return out


def _weighted_percentiles(values: np.ndarray, weights: np.ndarray, q: float) -> list[float]:
    """Per column of `values`, the q-th percentile with each row counted `weights` times."""
    result = []
    for column in values.T:
        order = np.argsort(column)
        cumulative = np.cumsum(weights[order]) / weights.sum()
        index = min(int(np.searchsorted(cumulative, q / 100.0)), len(column) - 1)
        result.append(float(column[order][index]))
    return result


def label_stats(volume: Volume, voxel_size: tuple[float, float, float]) -> dict[str, Any]:
    """Object count, background and touching fractions and per-axis diameters of a label."""
    import cc3d
    import fastremap

    first = np.asarray(volume[0 : min(volume.shape[0], 4)])
    values = fastremap.unique(first)
    binary = len(values) <= 2 and volume.size <= WHOLE_CC_VOXELS
    # serial sections: a mask's objects are found per section (a 50 nm step joins cells)
    per_section = voxel_size[0] >= 2 * min(voxel_size[1:])
    if binary:
        # a mask (e.g. 0/255 cell interior): objects are its 6-connected components
        slabs = [slice(0, volume.shape[0])]
    else:
        slabs = _slabs(volume)
    boxes: dict[int, np.ndarray] = {}  # id -> [z0, y0, x0, z1, y1, x1]
    sizes: dict[int, int] = {}
    touching: set[int] = set()
    background = 0
    previous_face: np.ndarray | None = None
    for region in slabs:
        block = np.asarray(volume[region])
        if binary:
            block = _components(block, per_section)
        background += int(np.count_nonzero(block == 0))
        if previous_face is not None and not (binary and per_section):
            pair = np.stack([previous_face, block[0]])
            touching.update(int(v) for v in _touching_ids(pair))
        previous_face = block[-1].copy()
        touching.update(int(v) for v in _touching_ids(block, int(binary and per_section)))
        relabelled, remap = fastremap.renumber(block, in_place=False, preserve_zero=True)
        stats = cc3d.statistics(relabelled.astype(np.uint32, copy=False))
        inverse = {new: old for old, new in remap.items()}
        for new, box in enumerate(stats["bounding_boxes"]):
            if new == 0 or stats["voxel_counts"][new] == 0:
                continue
            start = [s.start for s in box]
            stop = [s.stop for s in box]
            start[0] += region.start
            stop[0] += region.start
            old = int(inverse[new])
            sizes[old] = sizes.get(old, 0) + int(stats["voxel_counts"][new])
            if old in boxes:
                known = boxes[old]
                start = np.minimum(known[:3], start)
                stop = np.maximum(known[3:], stop)
            boxes[old] = np.concatenate([start, stop])
    touching.discard(0)
    count = len(boxes)
    result: dict[str, Any] = {
        "num_objects": count,
        "background_fraction": background / volume.size,
        "touching_fraction": len(touching) / count if count else 0.0,
        "label_kind": "binary" if binary else "instance",
        "diameter_nm": {},
    }
    if count:
        ids = list(boxes)
        extents = np.stack([boxes[i][3:] - boxes[i][:3] for i in ids]) * np.asarray(voxel_size)
        weights = np.asarray([sizes[i] for i in ids], np.float64)
        for q in (10, 50, 90):
            result["diameter_nm"][f"p{q}"] = _weighted_percentiles(extents, weights, q)
    return result


def fingerprint(
    image: str, label: str | None = None, voxel_size: tuple[float, float, float] | None = None
) -> Fingerprint:
    """The fingerprint of the 3D volume `image` ("file.h5:key" etc.) and optional `label`."""
    volume = open_volume_auto(image, IMAGE_KEYS, ndim=3, option="--image")
    size, source = resolve_voxel_size(image, label, voxel_size)
    result = Fingerprint(
        shape=(int(volume.shape[0]), int(volume.shape[1]), int(volume.shape[2])),
        dtype=str(volume.dtype),
        voxel_size=size,
        voxel_size_source=source,
        intensity=intensity_stats(volume),
    )
    if label is not None:
        labels = open_volume_auto(label, LABEL_KEYS, ndim=3, option="--label")
        if tuple(labels.shape) != result.shape:
            raise DataError(
                f"--label has shape {tuple(labels.shape)} but --image has {result.shape}; "
                "give the labels of this image"
            )
        if labels.dtype.kind == "f":
            raise DataError(f"--label has dtype {labels.dtype}; give integer ids or a 0/1 mask")
        for name, value in label_stats(labels, size).items():
            setattr(result, name, value)
    return result
