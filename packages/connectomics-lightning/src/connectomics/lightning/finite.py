"""Stop training at the first NaN/inf loss or weight, with the step and the likely cause."""

from __future__ import annotations

import math
from typing import Any

import torch
from pytorch_lightning import Callback, LightningModule, Trainer

from connectomics.lightning.errors import NonFiniteError


def weights_finite(module: torch.nn.Module) -> bool:
    """True when every parameter and buffer of `module` is finite (one device sync)."""
    tensors = [t for t in (*module.parameters(), *module.buffers()) if t.is_floating_point()]
    if not tensors:
        return True
    norms = torch._foreach_norm([t.detach().float() for t in tensors])
    return bool(torch.isfinite(torch.stack([n.to(norms[0].device) for n in norms])).all())


def _batch_images(batch: Any) -> torch.Tensor | None:
    if isinstance(batch, list | tuple) and batch and isinstance(batch[0], torch.Tensor):
        return batch[0]
    image = getattr(batch, "image", None)
    return image if isinstance(image, torch.Tensor) else None


def _likely_cause(trainer: Trainer, module: LightningModule, batch: Any) -> str:
    """The most probable reason for a non-finite value, with the key to change."""
    images = _batch_images(batch)
    if images is not None and images.is_floating_point() and not torch.isfinite(images).all():
        bad = int((~torch.isfinite(images)).sum())
        return (
            f"the input batch holds {bad} NaN/inf voxel(s): clean the raw volume "
            "(data.train_image), e.g. with numpy.nan_to_num"
        )
    cfg = getattr(module, "cfg", None)
    lr = float(cfg.optimizer.lr) if cfg is not None else math.nan
    hints = [
        f"the learning rate is probably too high (optimizer.lr={lr:g}; try 1e-3 or lower, "
        "or set training.gradient_clip_val=1.0)"
    ]
    precision = str(getattr(trainer, "precision", ""))
    if "16" in precision:
        hints.append(f"or 16-bit precision overflowed (training.precision={precision}; try 32)")
    return " ".join(hints)


def _all_ranks(trainer: Trainer, ok: bool) -> bool:
    """True only when `ok` holds on every process, so all DDP ranks stop together."""
    strategy = getattr(trainer, "strategy", None)
    if strategy is None or getattr(trainer, "world_size", 1) <= 1:
        return ok
    return bool(strategy.reduce_boolean_decision(ok, all=True))


class NonFiniteGuard(Callback):
    """Raise NonFiniteError on a NaN/inf training loss (before backward) or weights (after the
    optimizer step), so no non-finite model is ever validated or checkpointed."""

    def __init__(self) -> None:
        super().__init__()
        self._batch: Any = None

    def on_train_batch_start(
        self, trainer: Trainer, pl_module: LightningModule, batch: Any, batch_idx: int
    ) -> None:
        """Keep the batch, to tell bad input from a diverging optimizer."""
        self._batch = batch

    def on_before_backward(
        self, trainer: Trainer, pl_module: LightningModule, loss: torch.Tensor
    ) -> None:
        """Check the loss before its gradients can reach the weights (all DDP ranks agree)."""
        if _all_ranks(trainer, bool(torch.isfinite(loss.detach()).all())):
            return
        batch, self._batch = self._batch, None
        raise NonFiniteError(
            f"training stopped: the loss is {loss.detach().float().item()} at epoch "
            f"{trainer.current_epoch}, step {trainer.global_step}; "
            f"{_likely_cause(trainer, pl_module, batch)}; no checkpoint was written for it"
        )

    def on_train_batch_end(
        self,
        trainer: Trainer,
        pl_module: LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        """Check the weights after the optimizer step."""
        if weights_finite(pl_module):
            return
        raise NonFiniteError(
            f"training stopped: the network weights became NaN/inf at epoch "
            f"{trainer.current_epoch}, step {trainer.global_step} although the loss was finite; "
            f"{_likely_cause(trainer, pl_module, batch)}; no checkpoint was written for it"
        )
