"""`SafeModelCheckpoint`: last.ckpt every epoch, and never a non-finite model or best score."""

from __future__ import annotations

import math
from typing import Any

import torch
from pytorch_lightning import LightningModule, Trainer
from pytorch_lightning.callbacks import ModelCheckpoint
from pytorch_lightning.utilities import rank_zero_warn

from connectomics.lightning.errors import NonFiniteError
from connectomics.lightning.finite import weights_finite


class SafeModelCheckpoint(ModelCheckpoint):
    """ModelCheckpoint that keeps `last.ckpt` truly the latest and refuses non-finite saves.

    Lightning 2.x rewrites last.ckpt only when a top-k checkpoint was saved in the same step,
    so with a monitor it lags behind whenever the metric does not improve; here it is written
    at every checkpointing point. A NaN/inf monitored value never ranks as best, and weights
    with NaN/inf are never written (NonFiniteError instead).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last_written_step: int | None = None

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Lightning's saves, then last.ckpt if this epoch end did not write it."""
        super().on_train_epoch_end(trainer, pl_module)
        if self._should_save_on_train_epoch_end(trainer):
            self._ensure_last(trainer)

    def on_validation_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Lightning's saves, then last.ckpt if this validation did not write it."""
        super().on_validation_end(trainer, pl_module)
        if not self._should_save_on_train_epoch_end(trainer):
            self._ensure_last(trainer)

    def _ensure_last(self, trainer: Trainer) -> None:
        if not self.save_last or self._should_skip_saving_checkpoint(trainer):
            return
        if self._every_n_epochs < 1 or (trainer.current_epoch + 1) % self._every_n_epochs:
            return
        if self._last_written_step != trainer.global_step:
            self._save_last_checkpoint(trainer, self._monitor_candidates(trainer))

    def _save_last_checkpoint(self, trainer: Trainer, monitor_candidates: dict[str, Any]) -> None:
        super()._save_last_checkpoint(trainer, monitor_candidates)
        if self.save_last:
            self._last_written_step = trainer.global_step

    def check_monitor_top_k(self, trainer: Trainer, current: torch.Tensor | None = None) -> bool:
        """A NaN/inf score is never among the best."""
        if current is not None and not math.isfinite(float(current)):
            rank_zero_warn(
                f"{self.monitor}={float(current)} at step {trainer.global_step} is not finite; "
                "not saved as a best checkpoint"
            )
            return False
        return super().check_monitor_top_k(trainer, current)

    def _save_checkpoint(self, trainer: Trainer, filepath: str) -> None:
        module = trainer.lightning_module
        if module is not None and not weights_finite(module):
            raise NonFiniteError(
                f"the network weights hold NaN/inf at epoch {trainer.current_epoch}, step "
                f"{trainer.global_step}; refusing to write {filepath} (earlier checkpoints are "
                "kept); lower optimizer.lr or check the input for NaN/inf"
            )
        super()._save_checkpoint(trainer, filepath)
