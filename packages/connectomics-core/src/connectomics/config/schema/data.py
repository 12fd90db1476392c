"""`data` section: volumes, crops, loaders, targets and augmentation."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from connectomics.config.checks.common import fail
from connectomics.config.schema.augmentation import AugmentationConfig
from connectomics.config.schema.section import (
    NonNegativeInt,
    PositiveInt,
    Probability,
    Section,
)

# Image intensity normalisations (data.normalize).
# volume_percentile: each volume by its own 0.5/99.5 percentiles (training and inference alike);
# clahe: the same percentiles, then each section's local contrast equalized (data.clahe).
Normalization = Literal["scale", "zscore", "percentile", "volume_percentile", "clahe", "none"]
# The normalisations whose training statistics are computed when training starts (for the
# per-volume ones, volume_percentile and clahe, only to warn at predict time).
STATISTIC_MODES: tuple[str, ...] = ("zscore", "percentile", "volume_percentile", "clahe")


class ClaheConfig(Section):
    """CLAHE of each z-section (data.normalize: clahe): tiles of kernel_size pixels on one grid
    of the whole section, each tile's histogram clipped at clip_limit of its pixels."""

    # Tile side in pixels (y and x); each pixel's mapping blends the four nearest tiles'.
    kernel_size: PositiveInt = 64
    # Histogram counts above this fraction of a tile's pixels are spread over all bins
    # (lower: less contrast amplified, and less noise).
    clip_limit: Probability = 0.01


class NormalizationStats(Section):
    """Dataset statistics of the training volumes: mean and std ("zscore"), the 0.5/99.5
    percentiles low and high ("percentile"). `dict(stats)` gives them by name."""

    model_config = {**Section.model_config, "frozen": True, "validate_assignment": False}

    mean: float
    std: float
    low: float | None = None
    high: float | None = None


# A volume: a file path, a glob, or a list of them.
Paths = str | list[str] | None


class TargetConfig(Section):
    """One label-to-target transform; its channels are concatenated in list order."""

    # Target registry name: binary, affinity, boundary, distance, binary_contour,
    # binary_contour_distance, semantic, or one registered with register_target.
    name: str = "binary"
    # Keyword arguments of the transform (e.g. offsets for affinity, thickness for boundary).
    kwargs: dict[str, Any] = Field(default_factory=dict)


class DataConfig(Section):
    """Input volumes and how training samples are drawn from them."""

    # Each path entry is a file path, a glob, or a list of them. HDF5 datasets are chosen
    # by the *_key options below; a "path.h5:key" suffix overrides them per file.
    train_image: Paths = None
    train_label: Paths = None
    train_mask: Paths = None
    val_image: Paths = None
    val_label: Paths = None
    val_mask: Paths = None
    test_image: Paths = None
    test_label: Paths = None
    test_mask: Paths = None
    image_key: str = "raw"
    label_key: str = "label"
    mask_key: str = "mask"
    # Voxel size in nm (z, y, x); target kwargs ending in _nm (offsets_nm, thickness_nm,
    # alpha_nm) are converted with it (connectomics.config.physical). None: unknown.
    voxel_size: tuple[float, float, float] | None = None
    # Crop size (z, y, x) for 3D or (y, x) for 2D. The default is CPU-sized; GPU runs use
    # larger crops (the tutorials use [32, 128, 128] and [18, 160, 160]).
    patch_size: list[PositiveInt] = Field(
        default_factory=lambda: [16, 64, 64], min_length=2, max_length=3
    )
    batch_size: PositiveInt = 2
    num_workers: NonNegativeInt = 0
    persistent_workers: bool = True
    # Epoch length in optimizer steps: each step draws data.batch_size x
    # training.accumulate_grad_batches random crops (per device under DDP).
    steps_per_epoch: PositiveInt = 50
    # Random (but seeded, fixed) crops drawn per validation run.
    val_iterations: PositiveInt = 8
    # Hold out this fraction of each training volume along split_axis for validation
    # (used when no val_image is given).
    val_split: float | None = None
    # Spatial axis of the split: 0 (z), 1 (y) or 2 (x).
    split_axis: int = 0
    # Keep whole volumes in memory (MONAI CacheDataset) instead of reading lazily.
    cache: bool = False
    # Rejection sampling: minimum foreground fraction / instance count of a crop.
    min_foreground: Probability = 0.0
    min_instances: NonNegativeInt = 0
    reject_max_tries: int = 50
    # Training/validation volumes smaller than data.patch_size along an axis are padded to it
    # (lazily) with "reflect", "replicate" or "constant" (zeros); null refuses them.
    pad_mode: Literal["reflect", "replicate", "constant"] | None = None
    # Image intensity normalisation, the same in training, validation and inference: "scale"
    # (8/16-bit integer dtype range to [0, 1]; wider integers and floats by the values they
    # hold: 0..255 or 0..65535 as uint8/uint16, floats in [0, 1] kept, others warned), "zscore" (dataset mean/std), "percentile" (clip to the
    # dataset's 0.5/99.5 percentiles, mapped to [0, 1]), "volume_percentile" (the same with
    # each volume's own percentiles: robust to contrast differences between volumes), "clahe"
    # (those percentiles, then contrast-limited adaptive histogram equalization of each
    # z-section, as EM pipelines use; data.clahe sets it) or "none".
    normalize: Normalization = "scale"
    clahe: ClaheConfig = Field(default_factory=ClaheConfig)
    # Dataset statistics {mean, std, low, high} of the training volumes for "zscore",
    # "percentile" and "volume_percentile" (there only to warn at predict time); null computes them once when training starts (sampled sections) and keeps
    # them in the run's config.yaml and checkpoint, so inference normalizes as training did.
    normalize_stats: NormalizationStats | None = None
    targets: list[TargetConfig] = Field(default_factory=lambda: [TargetConfig()])
    # Class-balanced per-voxel loss weights from the first target's foreground fraction.
    class_balanced_weights: bool = False
    augmentation: AugmentationConfig = Field(default_factory=AugmentationConfig)

    @field_validator("val_split")
    @classmethod
    def _fraction(cls, value: float | None) -> float | None:
        if value is not None and not 0 < value < 1:
            raise fail(
                "data.val_split",
                f"{value} is not a fraction",
                "use a value in (0, 1), e.g. 0.1, or null",
            )
        return value

    @field_validator("split_axis")
    @classmethod
    def _spatial_axis(cls, axis: int) -> int:
        if axis not in (0, 1, 2):
            raise fail(
                "data.split_axis",
                f"{axis} is not a spatial axis",
                "did you mean one of 0 (z), 1 (y), 2 (x)?",
            )
        return axis

    @field_validator("voxel_size")
    @classmethod
    def _positive_voxel_size(
        cls, value: tuple[float, float, float] | None
    ) -> tuple[float, float, float] | None:
        if value is not None and min(value) <= 0:
            raise fail(
                "data.voxel_size",
                f"{list(value)} is not positive",
                "give nm per axis, e.g. [40, 4, 4]",
            )
        return value

    @model_validator(mode="after")
    def _physical_sizes(self) -> DataConfig:
        from connectomics.config.physical import resolve_nm_kwargs

        for i, target in enumerate(self.targets):
            resolved = resolve_nm_kwargs(
                target.kwargs, self.voxel_size, f"data.targets[{i}].kwargs"
            )
            if resolved is not target.kwargs:
                target.__dict__["kwargs"] = resolved
        return self

    @field_validator("targets")
    @classmethod
    def _some_target(cls, targets: list[TargetConfig]) -> list[TargetConfig]:
        if not targets:
            raise fail(
                "data.targets", "no target given", "give at least one target, e.g. [{name: binary}]"
            )
        return targets

    @model_validator(mode="after")
    def _labels_with_images(self) -> DataConfig:
        if self.train_image is not None and self.train_label is None:
            raise fail(
                "data.train_label",
                "missing while data.train_image is set",
                "give the label volume(s) of the training images",
            )
        return self
