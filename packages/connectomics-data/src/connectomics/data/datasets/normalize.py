"""Image intensity normalisation (data.normalize): the one function training, validation and
inference share, with dataset-level statistics (as nnU-Net keeps them) computed once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, get_args

import numpy as np

from connectomics.config.schema.data import STATISTIC_MODES, Normalization, NormalizationStats
from connectomics.data.datasets.sampling import sample_values
from connectomics.data.datasets.scale_range import block_scale_range
from connectomics.data.errors import DataError

NORMALIZE_MODES = get_args(Normalization)
__all__ = ["NORMALIZE_MODES", "STATISTIC_MODES", "dataset_statistics", "normalize_image"]
PERCENTILES = (0.5, 99.5)


def dataset_statistics(volumes: Iterable[Any], max_samples: int = 1_000_000) -> NormalizationStats:
    """Mean, std and the 0.5/99.5 percentiles of lazy volumes, from evenly spread sections.

    Each volume contributes up to `max_samples / n` voxels read from at most 16 sections along
    its first spatial axis (whole sections, subsampled with a stride): never the whole volume.
    """
    volumes = list(volumes)
    if not volumes:
        raise DataError("no training volume to compute data.normalize_stats from")
    per_volume = max(1, max_samples // len(volumes))
    values = np.concatenate([sample_values(volume, per_volume) for volume in volumes])
    low, high = np.percentile(values, PERCENTILES)
    return NormalizationStats(
        mean=float(values.mean()), std=float(values.std()), low=float(low), high=float(high)
    )


def _stat(stats: Mapping[str, float] | None, mode: str) -> Mapping[str, float]:
    if stats is None or stats.get("low") is None or stats.get("high") is None:
        raise DataError(
            f"data.normalize={mode!r} needs dataset statistics (data.normalize_stats: mean, std, "
            "low, high); they are computed when training starts and kept in the checkpoint"
        )
    return stats


def normalize_image(
    image: np.ndarray,
    mode: str,
    stats: Mapping[str, float] | NormalizationStats | None = None,
    scale: tuple[float, float] | None = None,
) -> np.ndarray:
    """float32 copy of `image` normalised by `mode`.

    "scale" maps the range `scale` (the volume's, from volume_scale_range; None: the rule of
    scale_range applied to `image` itself) to [0, 1]: uint8 /255, int8 -128 -> 0, uint16
    /65535; wider integers and floats by the values they hold; "zscore" subtracts the dataset mean and divides by its std
    (`stats`; without them the image's own); "percentile" clips to the dataset's 0.5/99.5
    percentiles (`stats["low"]`, `stats["high"]`) and maps them to [0, 1]; "volume_percentile"
    does the same with the percentiles of the image's own volume (`stats` of that volume, see
    volume_normalize); "clahe" and "none" only cast ("clahe" images are equalized to [0, 1]
    as they are read, datasets/clahe.py).
    """
    if mode not in NORMALIZE_MODES:
        raise DataError(f"data.normalize must be one of {NORMALIZE_MODES}, got {mode!r}")
    stats = None if stats is None else dict(stats)
    out = np.asarray(image).astype(np.float32, copy=True)
    if mode == "scale":
        low, high = scale if scale is not None else block_scale_range(np.asarray(image))
        if (low, high) != (0.0, 1.0):
            out -= np.float32(low)
            out *= np.float32(1.0 / (high - low if high > low else 1.0))
        return out
    if mode == "zscore":
        if stats is None:
            mean, std = float(out.mean()), float(out.std())
        else:
            mean, std = float(stats["mean"]), float(stats["std"])
        out -= np.float32(mean)
        out *= np.float32(1.0 / (std if std > 1e-8 else 1.0))
        return out
    if mode in ("percentile", "volume_percentile"):
        values = _stat(stats, mode)
        low, high = float(values["low"]), float(values["high"])
        np.clip(out, low, high, out=out)
        out -= np.float32(low)
        out *= np.float32(1.0 / (high - low if high > low else 1.0))
    return out
