"""Config paths (files, globs, lists, "file.h5:key") to matched image/label/mask volumes."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectomics.config.schema import DataConfig
from connectomics.data.errors import DataError
from connectomics.data.io import ArrayVolume, Volume, open_volume_auto
from connectomics.data.io.paths import split_key
from connectomics.data.io.volume import require_all_chunks


@dataclass
class VolumeSource:
    """One training/validation/test volume: image plus optional label and mask, same grid."""

    name: str
    image: Volume
    label: Volume | None = None
    mask: Volume | None = None

    def __post_init__(self) -> None:
        spatial = spatial_shape(self.image)
        for role in ("label", "mask"):
            other = getattr(self, role)
            if other is not None and tuple(other.shape) != spatial:
                raise DataError(
                    f"{role} {other!r} has shape {tuple(other.shape)} but image {self.image!r} "
                    f"has spatial shape {spatial}; they must cover the same voxels"
                )

    def cached(self) -> VolumeSource:
        """The same source with every volume read into memory once."""
        from connectomics.data.sizing import require_in_memory

        for volume in (self.image, self.label, self.mask):
            if volume is not None:
                require_in_memory(
                    repr(volume),
                    volume.shape,
                    volume.dtype,
                    "caching the volume in memory (data.cache=true)",
                    "set data.cache=false to read patches from disk",
                )
        return VolumeSource(
            self.name,
            *(
                None if v is None else ArrayVolume(v.read(), v.voxel_size, v.path, v.key)
                for v in (self.image, self.label, self.mask)
            ),
        )


def spatial_shape(image: Volume) -> tuple[int, ...]:
    """Spatial shape of an image: a 4D image's leading axis is channels."""
    return tuple(image.shape[1:]) if image.ndim == 4 else tuple(image.shape)


def expand_paths(spec: Any, option: str) -> list[str]:
    """Expand a path, glob or list of them (a "file:key" suffix is kept) into file paths."""
    if spec is None:
        return []
    items = [spec] if isinstance(spec, (str, Path)) else list(spec)
    paths: list[str] = []
    for item in items:
        file, key = split_key(str(item))
        matches = sorted(glob.glob(file)) if glob.has_magic(file) else [file]
        if not matches:
            raise DataError(f"{option}: no file matches the pattern {file!r}; check the path")
        for match in matches:
            if not Path(match).exists():
                raise DataError(f"{option}: volume file {match!r} does not exist; check the path")
            paths.append(match if key is None else f"{match}:{key}")
    return paths


def open_with_default_key(path: str, default_key: str | None, option: str) -> Volume:
    """Open ``path``; HDF5/zarr files without a key use ``default_key`` or their only array."""
    return open_volume_auto(path, [default_key] if default_key else [], option=option)


def source_names(paths: list[str]) -> list[str]:
    """One name per volume path: the file stem, or where two stems agree `{folder}_{stem}`
    (with `_{key}` for arrays of one file) and then the list index, so every volume's outputs
    are named apart."""
    stems = [Path(split_key(p)[0]).stem for p in paths]
    names = list(stems)
    for i, path in enumerate(paths):
        if stems.count(stems[i]) > 1:
            file, key = split_key(path)
            parent = Path(file).resolve().parent.name
            names[i] = "_".join(p for p in (parent, stems[i], (key or "").replace("/", "-")) if p)
    return [f"{name}_{i}" if names.count(name) > 1 else name for i, name in enumerate(names)]


def open_sources(data_cfg: DataConfig, stage: str) -> list[VolumeSource]:
    """Open the ``{stage}_image/label/mask`` volumes of the data config, matched by order."""
    images = expand_paths(getattr(data_cfg, f"{stage}_image"), f"data.{stage}_image")
    labels = expand_paths(getattr(data_cfg, f"{stage}_label"), f"data.{stage}_label")
    masks = expand_paths(getattr(data_cfg, f"{stage}_mask"), f"data.{stage}_mask")
    for option, paths in ((f"data.{stage}_label", labels), (f"data.{stage}_mask", masks)):
        if paths and len(paths) != len(images):
            raise DataError(
                f"{option} lists {len(paths)} volumes but data.{stage}_image lists "
                f"{len(images)}; give one per image, in the same order"
            )
    sources = []
    names = source_names(images)
    for i, image_path in enumerate(images):
        image = require_all_chunks(
            open_with_default_key(image_path, data_cfg.image_key, f"data.{stage}_image")
        )
        label = (
            open_with_default_key(labels[i], data_cfg.label_key, f"data.{stage}_label")
            if labels
            else None
        )
        mask = (
            open_with_default_key(masks[i], data_cfg.mask_key, f"data.{stage}_mask")
            if masks
            else None
        )
        sources.append(VolumeSource(names[i], image, label, mask))
    return sources
