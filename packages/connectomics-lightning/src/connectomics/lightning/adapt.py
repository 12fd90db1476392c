"""Domain adaptation on an unlabeled volume: mean-teacher consistency fine-tuning (Lightning).

The student is the trained model; the teacher starts as its copy and follows the EMA of the
student's weights after every optimizer step (decay `teacher_decay`). Each step the teacher
predicts a random crop of the target volume as it is, the student the same crop perturbed
(Gaussian noise and a random contrast/brightness change), and the loss is the mean squared
difference of their activated outputs. The written checkpoint holds the teacher's weights in
the ordinary ConnectomicsModule format (config embedded), so `predict`/`test` load it as is.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader

from connectomics.config.schema import Config
from connectomics.data.datasets import RandomCropDataset
from connectomics.data.datasets.sources import VolumeSource
from connectomics.lightning.module import ConnectomicsModule, _finest

TEACHER_DECAY = 0.99
LEARNING_RATE = 1e-4
NOISE_STD = 0.1
CONTRAST = (0.7, 1.3)


class MeanTeacherModule(ConnectomicsModule):
    """A ConnectomicsModule trained by teacher-student consistency on unlabeled crops."""

    def __init__(self, cfg: Any, model: torch.nn.Module | None = None) -> None:
        super().__init__(cfg, model=model)
        self.teacher_decay = TEACHER_DECAY
        self.noise_std = NOISE_STD
        self.lr = LEARNING_RATE
        # kept out of the module's children: the checkpoint holds one model's weights
        self._teacher = [self._frozen_copy()]

    def _frozen_copy(self) -> torch.nn.Module:
        teacher = copy.deepcopy(self.model).eval()
        for parameter in teacher.parameters():
            parameter.requires_grad_(False)
        return teacher

    @property
    def teacher(self) -> torch.nn.Module:
        """The EMA teacher network."""
        return self._teacher[0]

    def on_fit_start(self) -> None:
        """Restart the teacher from the (loaded) student and move it to the student's device."""
        self._teacher = [self._frozen_copy().to(self.device)]

    def perturb(self, image: torch.Tensor) -> torch.Tensor:
        """The student's view: random contrast about the crop mean, then Gaussian noise."""
        shape = (image.shape[0],) + (1,) * (image.ndim - 1)
        low, high = CONTRAST
        factor = torch.empty(shape, device=image.device).uniform_(low, high)
        mean = image.mean(dim=tuple(range(1, image.ndim)), keepdim=True)
        return (image - mean) * factor + mean + torch.randn_like(image) * self.noise_std

    def consistency(self, image: torch.Tensor) -> torch.Tensor:
        """Mean squared difference of student (perturbed input) and teacher activations."""
        with torch.no_grad():
            target = self.activate(_finest(self.teacher(image)))
        student = self.activate(_finest(self.model(self.perturb(image))))
        return torch.mean((student - target) ** 2)

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        """One consistency step on a batch of unlabeled crops."""
        image = batch["image"].float()
        loss = self.consistency(image)
        self.log("adapt/consistency", loss, on_step=True, prog_bar=True, batch_size=len(image))
        return loss

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        """teacher <- decay * teacher + (1 - decay) * student (weights and float buffers)."""
        decay = float(self.teacher_decay)
        with torch.no_grad():
            student = self.model.state_dict()
            for name, value in self.teacher.state_dict().items():
                if value.dtype.is_floating_point:
                    value.mul_(decay).add_(student[name].detach(), alpha=1.0 - decay)
                else:
                    value.copy_(student[name])

    def configure_optimizers(self) -> Any:
        """AdamW at the adaptation learning rate (no schedule)."""
        return torch.optim.AdamW(self.model.parameters(), lr=float(self.lr))

    def use_teacher(self) -> None:
        """Copy the teacher's weights into the model (what the checkpoint keeps)."""
        self.model.load_state_dict(self.teacher.state_dict())


def unlabeled_loader(cfg: Config, volume: Any, steps: int, seed: int = 0) -> DataLoader:
    """Random crops (data.patch_size, normalized as in training) of an unlabeled volume."""
    dataset = RandomCropDataset(
        [VolumeSource("target", volume)],
        patch_size=list(cfg.data.patch_size),
        length=int(steps) * int(cfg.data.batch_size),
        normalize=cfg.data.normalize,
        normalize_stats=cfg.data.normalize_stats,
        clahe=cfg.data.clahe,
        deterministic=True,
        seed=seed,
    )
    return DataLoader(dataset, batch_size=int(cfg.data.batch_size), num_workers=0)


def adapt(
    checkpoint: str | Path,
    volume: Any,
    output: str | Path,
    steps: int = 200,
    lr: float = LEARNING_RATE,
    teacher_decay: float = TEACHER_DECAY,
    accelerator: str | None = None,
) -> MeanTeacherModule:
    """Fine-tune `checkpoint` on the unlabeled `volume` by mean-teacher consistency for `steps`
    optimizer steps; write the teacher's weights to `output` (a ConnectomicsModule checkpoint);
    `accelerator` (default: the checkpoint config's system.accelerator)."""
    module = MeanTeacherModule.load_from_checkpoint(checkpoint)
    module.lr, module.teacher_decay = float(lr), float(teacher_decay)
    trainer = pl.Trainer(
        max_steps=int(steps),
        max_epochs=1,
        accelerator=accelerator or module.cfg.system.accelerator,
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        limit_val_batches=0,
    )
    trainer.fit(module, train_dataloaders=unlabeled_loader(module.cfg, volume, steps))
    module.use_teacher()
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    trainer.save_checkpoint(str(output))
    return module
