"""The `connectomics train` arguments of a one-step Lucchi-config run on tiny volumes."""

from __future__ import annotations

from pathlib import Path


def tiny_train_args(image: str, label: str, run_dir: Path) -> list[str]:
    """`train` arguments for one CPU step on `image`/`label`, written into `run_dir`."""
    return [
        "train",
        "--config",
        "lucchi",
        f"data.train_image={image}",
        f"data.train_label={label}",
        "data.val_split=0.25",
        "data.patch_size=[8,16,16]",
        "data.num_workers=0",
        "data.augmentation.enabled=false",
        "model.filters=[4,8]",
        "training.max_epochs=1",
        "data.steps_per_epoch=1",
        "data.val_iterations=1",
        "early_stopping.enabled=false",
        "logging.progress_bar=false",
        f"logging.save_dir={run_dir}",
        "system.accelerator=cpu",
        "training.precision=32",
        "inference.tta_flip=false",
    ]
