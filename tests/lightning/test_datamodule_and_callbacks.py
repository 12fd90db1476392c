"""ConnectomicsDataModule loaders and seeding; the image callback writes TensorBoard images."""

from __future__ import annotations

from pathlib import Path

import torch

from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer
from tests.config_edit import set_key


def test_loaders_for_every_stage(tiny_cfg):
    data = ConnectomicsDataModule(tiny_cfg)
    data.setup("fit")
    assert len(data.train_dataset) == 4 and len(data.val_dataset) == 2
    images, labels = next(iter(data.train_dataloader()))
    assert images.shape == (2, 1, 8, 16, 16) and labels.shape[0] == 2
    batch = next(iter(data.val_dataloader()))
    assert batch.valid is not None and batch["weight"] is not None
    data.setup("test")
    name, image, label = next(iter(data.test_dataloader()))
    assert name == "test_im" and image.shape == (16, 32, 32) and label is not None
    assert len(data.predict_dataloader()) == 1


def test_worker_options_follow_the_config(tiny_cfg):
    set_key(tiny_cfg, "data.num_workers", 2)
    loader = ConnectomicsDataModule(tiny_cfg).train_dataloader()
    # the dataset seeds its own crops and augmentations: no worker_init_fn
    assert loader.persistent_workers and loader.worker_init_fn is None
    assert loader.pin_memory == torch.cuda.is_available()
    set_key(tiny_cfg, "data.num_workers", 0)
    loader = ConnectomicsDataModule(tiny_cfg).train_dataloader()
    assert not loader.persistent_workers


def test_image_logger_writes_middle_slices(tiny_cfg):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    set_key(tiny_cfg, "logging.log_images", True)
    trainer = create_trainer(tiny_cfg, enable_checkpointing=False)
    trainer.fit(ConnectomicsModule(tiny_cfg), datamodule=ConnectomicsDataModule(tiny_cfg))
    events = sorted(Path(trainer.logger.log_dir).glob("events.out.tfevents*"))
    acc = EventAccumulator(str(events[0]), size_guidance={"images": 0})
    acc.Reload()
    tags = set(acc.Tags()["images"])
    assert {"val/input_0", "val/target_0", "val/prediction_0"} <= tags
    image = acc.Images("val/input_0")[0]
    assert (image.height, image.width) == (16, 16)


def test_fit_without_validation_data_skips_validation_cleanly(tiny_cfg):
    set_key(tiny_cfg, "data.val_split", None)
    set_key(tiny_cfg, "early_stopping.enabled", True)
    data = ConnectomicsDataModule(tiny_cfg)
    trainer = create_trainer(tiny_cfg, logger=False)
    trainer.fit(ConnectomicsModule(tiny_cfg), datamodule=data)
    assert data.val_dataset is None and trainer.global_step == 2
    assert "val/loss" not in trainer.callback_metrics
    assert (Path(trainer.checkpoint_callback.dirpath) / "last.ckpt").is_file()
