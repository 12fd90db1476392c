"""Datasets and test volumes from a config (`build_train_dataset`, `build_val_dataset`...)."""

from __future__ import annotations

import math
from typing import Any

from connectomics.config.schema import Config
from connectomics.config.schema.data import NormalizationStats
from connectomics.data.datasets.label_checks import warn_empty_labels
from connectomics.data.datasets.normalize import STATISTIC_MODES, dataset_statistics
from connectomics.data.datasets.padding import pad_to_patch
from connectomics.data.datasets.pipeline import build_pipeline
from connectomics.data.datasets.random_crop import RandomCropDataset
from connectomics.data.datasets.sources import VolumeSource, open_sources
from connectomics.data.datasets.split import split_volume
from connectomics.data.errors import DataError
from connectomics.data.io import Volume
from connectomics.data.sizing import require_memory


def _split_source(source: VolumeSource, data: Any, part: int) -> VolumeSource:
    """The train (part 0) or validation (part 1) view of every volume of a source; each part
    is at least one patch long along the split axis."""
    fraction, axis = data.val_split, int(data.split_axis)
    patch = list(data.patch_size)
    patch = [1, *patch] if len(patch) == 2 else patch
    if not 0 <= axis < 3:
        raise DataError(f"data.split_axis must be 0, 1 or 2 (z, y, x), got {axis}")

    def view(volume: Volume | None, spatial_axis: int) -> Volume | None:
        if volume is None:
            return None
        # 4D images carry a leading channel axis; 2D volumes are a single z slice.
        index = spatial_axis + (1 if volume.ndim == 4 else 0) - (1 if volume.ndim == 2 else 0)
        if index < 0:
            raise DataError("data.split_axis 0 (z) cannot split a 2D volume; use 1 or 2")
        return split_volume(volume, fraction, index, patch[axis])[part]

    name = f"{source.name}[{'train' if part == 0 else 'val'}]"
    return VolumeSource(
        name, view(source.image, axis), view(source.label, axis), view(source.mask, axis)
    )


def _opened_train_sources(cfg: Config) -> list[VolumeSource]:
    """The training volumes opened (lazily) and checked: labels given, channels matching."""
    sources = open_sources(cfg.data, "train")
    if not sources:
        raise DataError("data.train_image is not set; point it at the training volume(s)")
    if any(source.label is None for source in sources):
        raise DataError("data.train_label is not set; training needs a label for every image")
    return check_channels(sources, cfg, "train")


def check_fit_inputs(cfg: Config) -> None:
    """DataError when a training or validation volume is missing, unreadable or mismatched;
    the volumes are only opened (nothing read, cached or written); a training batch that
    cannot fit in memory is refused here too."""
    require_batch_memory(cfg)
    _opened_train_sources(cfg)
    if cfg.data.val_image is not None:
        sources = check_channels(open_sources(cfg.data, "val"), cfg, "val")
        if any(source.label is None for source in sources):
            raise DataError("data.val_label is not set; validation needs a label for every image")


def train_sources(cfg: Config) -> list[VolumeSource]:
    """Training volumes, minus the held-out part when ``data.val_split`` is set."""
    data = cfg.data
    sources = _opened_train_sources(cfg)
    warn_empty_labels(sources)
    if data.val_split is not None and data.val_image is None:
        sources = [_split_source(s, data, 0) for s in sources]
    return _maybe_cache(_maybe_pad(sources, data), data)


def val_sources(cfg: Config) -> list[VolumeSource]:
    """Validation volumes: ``data.val_image`` or the ``val_split`` part of the training ones."""
    data = cfg.data
    if data.val_image is not None:
        sources = check_channels(open_sources(data, "val"), cfg, "val")
    elif data.val_split is not None:
        sources = [_split_source(s, data, 1) for s in open_sources(data, "train")]
    else:
        return []
    return _maybe_cache(_maybe_pad(sources, data), data)


def _maybe_pad(sources: list[VolumeSource], data: Any) -> list[VolumeSource]:
    """Volumes smaller than data.patch_size padded by data.pad_mode (None: left as they are)."""
    mode = data.pad_mode
    if mode is None:
        return sources

    return pad_to_patch(sources, list(data.patch_size), mode)


def check_channels(sources: list[VolumeSource], cfg: Config, stage: str) -> list[VolumeSource]:
    """DataError when an image's channel count differs from model.in_channels."""
    expected = int(cfg.model.in_channels)
    for source in sources:
        image = source.image
        channels = int(image.shape[0]) if image.ndim == 4 else 1
        if channels != expected:
            where = getattr(image, "path", None) or source.name
            raise DataError(
                f"data.{stage}_image {where} has {channels} channel(s) (shape "
                f"{tuple(image.shape)}) but model.in_channels={expected}; set "
                f"model.in_channels={channels} or give a {expected}-channel volume"
            )
    return sources


def _maybe_cache(sources: list[VolumeSource], data: Any) -> list[VolumeSource]:
    # Crops are random positions in whole volumes, so MONAI's CacheDataset (which caches
    # per-item transform outputs) does not fit; caching here reads each volume once.
    return [source.cached() for source in sources] if data.cache else sources


def crops_per_epoch(cfg: Config, world_size: int = 1) -> int:
    """Crops one epoch draws: data.steps_per_epoch optimizer steps on every device."""
    accumulate = cfg.training.accumulate_grad_batches
    return cfg.data.steps_per_epoch * cfg.data.batch_size * accumulate * world_size


def require_batch_memory(cfg: Config) -> None:
    """Refuse a training batch whose crops and targets alone (float32) exceed the memory."""
    model, data = cfg.model, cfg.data
    channels = int(model.in_channels) + int(model.out_channels or 1)
    need = data.batch_size * math.prod(data.patch_size) * channels * 4
    require_memory(
        f"data.batch_size={data.batch_size} of {list(data.patch_size)} patches",
        need,
        "one training batch (its crops and targets, before the network)",
        "lower data.batch_size or data.patch_size",
    )


def training_statistics(cfg: Config) -> NormalizationStats | None:
    """data.normalize_stats, else computed from the training images when data.normalize
    needs them (None when it does not); cfg is left as it is."""
    data = cfg.data
    if data.normalize not in STATISTIC_MODES or data.normalize_stats is not None:
        return data.normalize_stats
    return dataset_statistics(source.image for source in train_sources(cfg))


def build_train_dataset(
    cfg: Config,
    transform: Any = "default",
    world_size: int = 1,
    stream_seed: int | None = None,
    normalize_stats: NormalizationStats | None = None,
) -> RandomCropDataset:
    """Random training crops with augmentations and targets: `data.steps_per_epoch` optimizer
    steps per epoch on each of `world_size` devices, so data.batch_size x
    training.accumulate_grad_batches x world_size crops per step; ``transform`` replaces the
    pipeline when given (None: raw crops).

    With ``stream_seed`` the crop and augmentation of index k depend on (stream_seed, k)
    only: pair it with an EpochStreamSampler for a reproducible, exactly resumable stream.
    `normalize_stats` None: training_statistics(cfg).
    """
    require_batch_memory(cfg)
    if transform == "default":
        transform = build_pipeline(cfg, train=True)
    return _crop_dataset(
        cfg,
        train_sources(cfg),
        crops_per_epoch(cfg, world_size),
        transform,
        deterministic=stream_seed is not None,
        seed=int(stream_seed or 0),
        stats=normalize_stats or training_statistics(cfg),
    )


def build_val_dataset(
    cfg: Config, transform: Any = "default", normalize_stats: NormalizationStats | None = None
) -> RandomCropDataset | None:
    """`data.val_iterations` fixed crops (seeded by system.seed) with targets, or None when
    neither data.val_image nor data.val_split is set; normalized with `normalize_stats` (None:
    training_statistics(cfg))."""
    data = cfg.data
    sources = val_sources(cfg)
    if not sources:
        return None
    if any(source.label is None for source in sources):
        raise DataError("data.val_label is not set; validation needs a label for every image")
    if transform == "default":
        transform = build_pipeline(cfg, train=False)
    return _crop_dataset(
        cfg,
        sources,
        data.val_iterations,
        transform,
        deterministic=True,
        seed=cfg.system.seed,
        stats=normalize_stats or training_statistics(cfg),
    )


def _crop_dataset(
    cfg: Config,
    sources: Any,
    length: int,
    transform: Any,
    deterministic: bool,
    seed: int,
    stats: NormalizationStats | None,
) -> RandomCropDataset:
    """Random crops of `sources` as the data section asks (patch, normalization, rejection)."""
    data = cfg.data
    return RandomCropDataset(
        sources,
        patch_size=list(data.patch_size),
        length=length,
        transform=transform,
        normalize=data.normalize,
        normalize_stats=stats,
        clahe=data.clahe,
        min_foreground=data.min_foreground,
        min_instances=data.min_instances,
        reject_max_tries=data.reject_max_tries,
        deterministic=deterministic,
        seed=int(seed),
    )


def build_test_volumes(cfg: Config) -> list[tuple[str, Volume, Volume | None]]:
    """(name, lazy image, lazy label or None) for every ``data.test_image``."""
    sources = open_sources(cfg.data, "test")
    if not sources:
        raise DataError("data.test_image is not set; point it at the volume(s) to predict")
    check_channels(sources, cfg, "test")
    return [(source.name, source.image, source.label) for source in sources]
