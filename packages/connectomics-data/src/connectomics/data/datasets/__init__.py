"""Training, validation and inference datasets over lazy volumes."""

from connectomics.data.datasets.batch import Batch, collate_batch
from connectomics.data.datasets.builders import (
    build_test_volumes,
    build_train_dataset,
    build_val_dataset,
)
from connectomics.data.datasets.crop_sampler import CropSampler
from connectomics.data.datasets.normalize import dataset_statistics, normalize_image
from connectomics.data.datasets.padding import PaddedVolume, pad_to_patch
from connectomics.data.datasets.pipeline import Pipeline, build_pipeline
from connectomics.data.datasets.random_crop import RandomCropDataset
from connectomics.data.datasets.sources import VolumeSource, open_sources
from connectomics.data.datasets.split import split_volume

__all__ = [
    "Batch",
    "CropSampler",
    "PaddedVolume",
    "Pipeline",
    "RandomCropDataset",
    "VolumeSource",
    "build_pipeline",
    "build_test_volumes",
    "build_train_dataset",
    "build_val_dataset",
    "collate_batch",
    "dataset_statistics",
    "normalize_image",
    "open_sources",
    "pad_to_patch",
    "split_volume",
]
