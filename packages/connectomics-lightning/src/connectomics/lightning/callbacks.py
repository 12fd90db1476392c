"""Callbacks: sane checkpoint file names and an image logger for TensorBoard."""

from __future__ import annotations

import re
from typing import Any

import torch
from pytorch_lightning import Callback, LightningModule, Trainer


def sanitize_filename_template(template: str) -> str:
    """Make a ModelCheckpoint template safe: "{val/loss:.2f}" keeps its value, loses the slash.

    Lightning formats "{val/loss}" by metric name; the slash would also create a folder. Keys
    inside braces stay as they are (the metric lookup needs them); only literal text changes.
    """
    parts = re.split(r"(\{[^}]*\})", template)
    return "".join(p if p.startswith("{") else p.replace("/", "_") for p in parts)


class ImageLogger(Callback):
    """Log the middle slice of input, target and prediction of the first validation batch."""

    def __init__(self, max_images: int = 2) -> None:
        super().__init__()
        self.max_images = max_images
        self._batch: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None

    def on_validation_batch_end(
        self,
        trainer: Trainer,
        pl_module: LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int = 0,
    ) -> None:
        """Keep the first batch's image, target and probabilities."""
        if batch_idx != 0 or not isinstance(outputs, dict) or "probabilities" not in outputs:
            return
        image, target = batch
        self._batch = (
            image.detach().cpu(),
            target.detach().cpu(),
            outputs["probabilities"].detach().cpu(),
        )

    def on_validation_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Write the kept slices to every logger that has add_image (TensorBoard)."""
        if self._batch is None or trainer.sanity_checking:
            return
        image, target, prob = self._batch
        self._batch = None
        for logger in trainer.loggers:
            experiment = getattr(logger, "experiment", None)
            if not hasattr(experiment, "add_image"):
                continue
            for i in range(min(self.max_images, image.shape[0])):
                for name, vol in (
                    ("input", image[i, :1]),
                    ("target", target[i, :1]),
                    ("prediction", prob[i, :1]),
                ):
                    experiment.add_image(f"val/{name}_{i}", _middle_slice(vol), trainer.global_step)


def _middle_slice(volume: torch.Tensor) -> torch.Tensor:
    """(1, Z, Y, X) or (1, Y, X) -> (1, Y, X) scaled to [0, 1]."""
    slice2d = volume[:, volume.shape[1] // 2] if volume.ndim == 4 else volume
    lo, hi = slice2d.min(), slice2d.max()
    return ((slice2d - lo) / (hi - lo)).clamp(0, 1) if hi > lo else torch.zeros_like(slice2d)
