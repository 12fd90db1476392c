"""Kill + resume equals the uninterrupted run bit for bit: crops and augmentations included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from pytorch_lightning import Callback, seed_everything

from tests.config_edit import set_key


class _StopAfterFirstEpoch(Callback):
    def on_train_epoch_end(self, trainer, pl_module):
        trainer.should_stop = True


class _RecordCrops(Callback):
    """A checksum of every training batch."""

    def __init__(self):
        self.batches = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.batches.append(float(batch.image.double().sum()))


def _configure(cfg, save_dir: Path, workers: int):
    cfg = cfg.copy()
    for key, value in {
        "data.augmentation.enabled": True,
        "data.num_workers": workers,
        "data.persistent_workers": False,
        "training.max_epochs": 2,
        "training.deterministic": True,
        "logging.save_dir": str(save_dir),
        "checkpoint.dirpath": str(save_dir),
    }.items():
        set_key(cfg, key, value)
    return cfg


def _dropout_net(cfg) -> torch.nn.Module:
    """A tiny network whose dropout draws from torch's global generator."""
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv3d(1, 4, 3, padding=1),
        torch.nn.Dropout(0.5),
        torch.nn.Conv3d(4, int(cfg.model.out_channels), 1),
    )


def _fit(cfg, ckpt_path=None, callbacks=(), dropout=False):
    from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer

    seed_everything(int(cfg.system.seed))
    module = ConnectomicsModule(cfg, model=_dropout_net(cfg) if dropout else None)
    record = _RecordCrops()
    trainer = create_trainer(
        cfg, resume=ckpt_path is not None, logger=False, callbacks=[record, *callbacks]
    )
    trainer.fit(module, datamodule=ConnectomicsDataModule(cfg), ckpt_path=ckpt_path)
    return module, trainer, record.batches


def _assert_identical(a: torch.nn.Module, b: torch.nn.Module) -> None:
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.equal(x, y), f"{name} differs by {float((x - y).abs().max())}"


@pytest.mark.parametrize("workers, dropout", [(0, False), (2, False), (0, True)])
def test_interrupted_and_resumed_run_is_bit_identical(tiny_cfg, tmp_path, workers, dropout):
    straight, straight_trainer, straight_batches = _fit(
        _configure(tiny_cfg, tmp_path / "straight", workers), dropout=dropout
    )
    cfg = _configure(tiny_cfg, tmp_path / "interrupted", workers)
    _, first, first_batches = _fit(cfg, callbacks=[_StopAfterFirstEpoch()], dropout=dropout)
    assert first.current_epoch == 1
    torch.rand(5)  # a new process would start from another global generator state
    resumed, resumed_trainer, resumed_batches = _fit(
        cfg, ckpt_path=str(tmp_path / "interrupted" / "last.ckpt"), dropout=dropout
    )
    assert resumed_trainer.global_step == straight_trainer.global_step
    # the resumed run draws epoch 1's crops, not epoch 0's again
    assert first_batches + resumed_batches == straight_batches
    assert resumed_batches != first_batches
    _assert_identical(straight, resumed)


def test_same_seed_same_run_whatever_the_number_of_workers(tiny_cfg, tmp_path):
    a, _, batches_a = _fit(_configure(tiny_cfg, tmp_path / "a", 0))
    b, _, batches_b = _fit(_configure(tiny_cfg, tmp_path / "b", 0))
    c, _, batches_c = _fit(_configure(tiny_cfg, tmp_path / "c", 2))
    assert batches_a == batches_b == batches_c
    _assert_identical(a, b)
    _assert_identical(a, c)


def test_seeded_stream_gives_each_epoch_new_augmented_crops_reproducibly(tiny_cfg):
    from torch.utils.data import DataLoader

    from connectomics.data.datasets import build_train_dataset, collate_batch
    from connectomics.data.datasets.stream import EpochStreamSampler

    set_key(tiny_cfg, "data.augmentation.enabled", True)
    for name, value in tiny_cfg.data.augmentation:  # every augmentation, always on
        if hasattr(value, "enabled"):
            set_key(tiny_cfg, f"data.augmentation.{name}.enabled", True)
            set_key(tiny_cfg, f"data.augmentation.{name}.prob", 1.0)

    def epoch_images(epoch: int, workers: int) -> np.ndarray:
        dataset = build_train_dataset(tiny_cfg, stream_seed=7)
        sampler = EpochStreamSampler(len(dataset))
        sampler.set_epoch(epoch)
        loader = DataLoader(
            dataset, batch_size=2, sampler=sampler, num_workers=workers, collate_fn=collate_batch
        )
        return torch.cat([batch.image for batch in loader]).numpy()

    epoch0 = epoch_images(0, 0)
    np.testing.assert_array_equal(epoch0, epoch_images(0, 0))  # seeded with num_workers=0
    np.testing.assert_array_equal(epoch0, epoch_images(0, 2))  # and the same with 2 workers
    assert not np.array_equal(epoch0, epoch_images(1, 0))  # a new epoch, new crops
