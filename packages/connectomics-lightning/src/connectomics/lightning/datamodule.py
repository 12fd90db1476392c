"""`ConnectomicsDataModule`: datasets and loaders for fit, validate, test and predict."""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Dataset

from connectomics.config.schema.data import NormalizationStats
from connectomics.data.datasets import (
    build_test_volumes,
    build_train_dataset,
    build_val_dataset,
    collate_batch,
)
from connectomics.data.datasets.builders import training_statistics
from connectomics.data.datasets.stream import EpochStreamSampler, LazyDataLoader
from connectomics.lightning.config_io import ConfigLike, ensure_config


def _single(items: list[Any]) -> Any:
    """Collate for whole volumes: batches of one, left lazy (no stacking, no tensors)."""
    return items[0]


class ConnectomicsDataModule(pl.LightningDataModule):
    """Random-crop training, seeded validation crops, and whole volumes for test/predict."""

    def __init__(self, cfg: ConfigLike) -> None:
        super().__init__()
        self.cfg = ensure_config(cfg)
        self.train_dataset: Dataset | None = None
        self.val_dataset: Dataset | None = None
        self.test_volumes: list[tuple[str, Any, Any]] | None = None
        # the training statistics of data.normalize, computed once in setup("fit"); the
        # module takes them from here into its checkpoint
        self.normalize_stats: NormalizationStats | None = None

    def setup(self, stage: str | None = None) -> None:
        """Build the datasets the stage needs (fit, validate, test, predict)."""
        if stage in (None, "fit", "validate") and self.normalize_stats is None:
            self.normalize_stats = training_statistics(self.cfg)
        if stage in (None, "fit"):
            # seeded stream: epoch e's crops and augmentations are fixed by (seed, e), so a
            # resumed run and any number of workers see exactly the uninterrupted run's data
            trainer = getattr(self, "trainer", None)
            world = int(trainer.world_size) if trainer is not None else 1
            self.train_dataset = build_train_dataset(
                self.cfg,
                world_size=world,
                stream_seed=int(self.cfg.system.seed),
                normalize_stats=self.normalize_stats,
            )
        if stage in (None, "fit", "validate"):
            self.val_dataset = build_val_dataset(self.cfg, normalize_stats=self.normalize_stats)
        if stage in (None, "test", "predict"):
            self.test_volumes = build_test_volumes(self.cfg)

    def _loader(
        self, dataset: Dataset, sampler: Any = None, loader_class: type = DataLoader
    ) -> DataLoader:
        data = self.cfg.data
        workers = int(data.num_workers)
        return loader_class(
            dataset,
            batch_size=int(data.batch_size),
            sampler=sampler,
            num_workers=workers,
            persistent_workers=bool(data.persistent_workers) and workers > 0,
            pin_memory=torch.cuda.is_available(),
            collate_fn=collate_batch,
        )

    def train_dataloader(self) -> DataLoader:
        """Random crops, a fresh set every epoch (indices carry the epoch); no shuffling."""
        if self.train_dataset is None:
            self.setup("fit")
        sampler = EpochStreamSampler(len(self.train_dataset))
        return self._loader(self.train_dataset, sampler, loader_class=LazyDataLoader)

    def val_dataloader(self) -> DataLoader | list:
        """Seeded validation crops, or no loader when no validation data is configured."""
        if self.val_dataset is None:
            self.setup("validate")
        return self._loader(self.val_dataset) if self.val_dataset is not None else []

    def test_dataloader(self) -> DataLoader:
        """Whole test volumes, one per batch, predicted with sliding windows."""
        if self.test_volumes is None:
            self.setup("test")
        # the (name, lazy image, lazy label) list is the dataset
        return DataLoader(self.test_volumes, batch_size=1, collate_fn=_single)

    def predict_dataloader(self) -> DataLoader:
        """Same volumes as test (data.test_image).

        Streamed (chunked) prediction shares each volume's chunks among DDP ranks, so every
        rank must see every volume: an explicit sampler keeps Lightning from splitting them.
        """
        if not self.cfg.inference.chunk_size:
            return self.test_dataloader()
        if self.test_volumes is None:
            self.setup("predict")
        volumes = self.test_volumes
        return DataLoader(
            volumes, batch_size=1, sampler=list(range(len(volumes))), collate_fn=_single
        )
