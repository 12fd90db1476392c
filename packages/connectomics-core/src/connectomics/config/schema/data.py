"""`data` section: volumes, crops, loaders, targets and augmentation."""

from dataclasses import dataclass, field
from typing import Any

from connectomics.config.schema.augmentation import AugmentationConfig


@dataclass
class TargetConfig:
    """One label-to-target transform; its channels are concatenated in list order."""

    # Target registry name: binary, affinity, boundary, distance, binary_contour,
    # binary_contour_distance, semantic, or one registered with register_target.
    name: str = "binary"
    # Keyword arguments of the transform (e.g. offsets for affinity, thickness for boundary).
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class DataConfig:
    """Input volumes and how training samples are drawn from them."""

    # Each path entry is a file path, a glob, or a list of them. HDF5 datasets are chosen
    # by the *_key options below; a "path.h5:key" suffix overrides them per file.
    train_image: Any = None
    train_label: Any = None
    train_mask: Any = None
    val_image: Any = None
    val_label: Any = None
    val_mask: Any = None
    test_image: Any = None
    test_label: Any = None
    test_mask: Any = None
    image_key: str = "raw"
    label_key: str = "label"
    mask_key: str = "mask"
    # Crop size (z, y, x) for 3D or (y, x) for 2D. The default is CPU-sized; GPU runs use
    # larger crops (the tutorials use [32, 128, 128] and [18, 160, 160]).
    patch_size: list[int] = field(default_factory=lambda: [16, 64, 64])
    batch_size: int = 2
    num_workers: int = 0
    persistent_workers: bool = True
    # Epoch length in optimizer steps: each step draws data.batch_size x
    # training.accumulate_grad_batches random crops (per device under DDP).
    steps_per_epoch: int = 50
    # Random (but seeded, fixed) crops drawn per validation run.
    val_iterations: int = 8
    # Hold out this fraction of each training volume along split_axis for validation
    # (used when no val_image is given).
    val_split: float | None = None
    split_axis: int = 0
    # Keep whole volumes in memory (MONAI CacheDataset) instead of reading lazily.
    cache: bool = False
    # Rejection sampling: minimum foreground fraction / instance count of a crop.
    min_foreground: float = 0.0
    min_instances: int = 0
    reject_max_tries: int = 50
    # Training/validation volumes smaller than data.patch_size along an axis are padded to it
    # (lazily) with "reflect", "replicate" or "constant" (zeros); null refuses them.
    pad_mode: str | None = None
    # Image intensity normalisation, the same in training, validation and inference: "scale"
    # (integer dtype range to [0, 1]), "zscore" (dataset mean/std), "percentile" (clip to the
    # dataset's 0.5/99.5 percentiles, mapped to [0, 1]) or "none".
    normalize: str = "scale"
    # Dataset statistics {mean, std, low, high} of the training volumes for "zscore" and
    # "percentile"; null computes them once when training starts (sampled sections) and keeps
    # them in the run's config.yaml and checkpoint, so inference normalizes as training did.
    normalize_stats: dict[str, float] | None = None
    targets: list[TargetConfig] = field(default_factory=lambda: [TargetConfig()])
    # Class-balanced per-voxel loss weights from the first target's foreground fraction.
    class_balanced_weights: bool = False
    augmentation: AugmentationConfig = field(default_factory=AugmentationConfig)
