"""`ConnectomicsModule`: the LightningModule that trains, validates, tests and predicts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
from torch import nn

from connectomics.config import Config
from connectomics.config.metrics_logged import TRAIN_LOSS, VAL_DICE, VAL_IOU, VAL_LOSS
from connectomics.config.schema.data import NormalizationStats
from connectomics.config.target_layout import TargetLayout
from connectomics.data.inference import InferenceOptions, predict_to_store, predict_volume
from connectomics.data.inference.activation import ActivationPlan
from connectomics.data.inference.sections import fit_model_to_input
from connectomics.lightning.checkpoint_io import check_finite_weights, safe_torch_load
from connectomics.lightning.config_io import (
    ConfigLike,
    config_from_checkpoint,
    config_to_checkpoint,
    ensure_config,
)
from connectomics.lightning.errors import CheckpointError
from connectomics.lightning.optim import build_optimizer, build_scheduler
from connectomics.lightning.run_record import flat_hparams
from connectomics.lightning.val_metrics import ForegroundOverlap
from connectomics.lightning.weights_fit import describe_mismatch, state_dict_mismatch
from connectomics.losses import build_loss_plan
from connectomics.models import build_model

CONFIG_KEY = "connectomics_config"
# The training statistics of data.normalize (a NormalizationStats as a plain dict).
STATS_KEY = "connectomics_normalize_stats"


class ConnectomicsModule(pl.LightningModule):
    """Lightning wrapper around a segmentation network, its loss plan and its schedule."""

    def __init__(self, cfg: ConfigLike, model: nn.Module | None = None) -> None:
        super().__init__()

        self.cfg: Config = ensure_config(cfg)
        self.model = model if model is not None else build_model(self.cfg)
        self.loss_plan = build_loss_plan(self.cfg)
        self.layout = TargetLayout.from_config(self.cfg)
        self._activation_names = self.layout.activations
        self.last_loss_parts: dict[str, torch.Tensor] = {}
        self.val_overlap = ForegroundOverlap(self.cfg.evaluation.threshold)
        # the statistics inference normalizes with: the config's, else the datamodule's
        # (computed when training starts), else the checkpoint's
        self.normalize_stats: NormalizationStats | None = self.cfg.data.normalize_stats
        # the resolved config as flat hparams: TensorBoard's hparams tab and wandb's config
        self.save_hyperparameters(flat_hparams(self.cfg))

    # ------------------------------------------------------------------ model
    def forward(self, x: torch.Tensor) -> Any:
        """Logits of the network (the deep-supervision list in training mode)."""
        return self.model(x)

    def get_model_info(self) -> dict[str, Any]:
        """Name, parameter counts, output scales and patch multiple of the network."""
        if hasattr(self.model, "get_model_info"):
            return self.model.get_model_info()
        n_params = sum(p.numel() for p in self.model.parameters())
        n_train = sum(p.numel() for p in self.model.parameters() if p.requires_grad)
        return {
            "name": type(self.model).__name__,
            "parameters": n_params,
            "trainable_parameters": n_train,
            "output_scales": [[1] * int(self.cfg.model.spatial_dims)],
            "patch_multiple": [1] * int(self.cfg.model.spatial_dims),
        }

    def compute_loss(
        self,
        outputs: Any,
        labels: torch.Tensor,
        weight: torch.Tensor | None = None,
        valid: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Total loss of the loss plan; the named parts are kept in `last_loss_parts`."""
        total, parts = self.loss_plan(outputs, labels, weight=weight, valid=valid)
        self.last_loss_parts = parts
        return total

    # --------------------------------------------------------------- training
    def setup(self, stage: str) -> None:
        """Take the training statistics the datamodule computed (its normalize_stats), so the
        checkpoint and inference normalize exactly as training does; refresh the hparams."""
        datamodule = getattr(self.trainer, "datamodule", None) if self._trainer else None
        stats = getattr(datamodule, "normalize_stats", None)
        if stats is not None and self.normalize_stats is None:
            self.normalize_stats = stats
        self._resolve_voxel_size(stage)
        self.hparams.clear()
        self.save_hyperparameters(flat_hparams(self.resolved_config()))

    def _resolve_voxel_size(self, stage: str) -> None:
        """Without data.voxel_size, take the one the stage's first input image records, so the
        checkpoint (its config) and every output of the run carry it."""
        if self.cfg.data.voxel_size is not None:
            return
        from connectomics.data.io.voxel_size import output_voxel_size

        images = self.cfg.data.train_image if stage == "fit" else self.cfg.data.test_image
        first = images if isinstance(images, str) or images is None else next(iter(images), None)
        if first is None:
            return
        size, _ = output_voxel_size(None, str(first))
        if size is not None:
            data = self.cfg.data.model_copy(update={"voxel_size": size})
            self.cfg = self.cfg.model_copy(update={"data": data})

    def resolved_config(self) -> Config:
        """The config with the training statistics this module normalizes with (a copy)."""
        data = self.cfg.data.model_copy(update={"normalize_stats": self.normalize_stats})
        return self.cfg.model_copy(update={"data": data})

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        """One optimizer step's loss, with masks and weights when the batch carries them."""
        images, labels = batch
        outputs = self.model(images)
        loss = self.compute_loss(
            outputs, labels, weight=_field(batch, "weight"), valid=_field(batch, "valid")
        )
        size = images.shape[0]
        self.log(TRAIN_LOSS, loss, on_step=True, on_epoch=True, prog_bar=True, batch_size=size)
        for name, value in self.last_loss_parts.items():
            self.log(f"train/{name}", value, on_step=False, on_epoch=True, batch_size=size)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> dict[str, torch.Tensor]:
        """Loss of one validation batch; its voxels join the epoch's Dice/IoU."""
        images, labels = batch
        logits = _finest(self.model(images))
        valid = _field(batch, "valid")
        loss = self.compute_loss(logits, labels, weight=_field(batch, "weight"), valid=valid)
        size = images.shape[0]
        self.log(VAL_LOSS, loss, on_epoch=True, prog_bar=True, batch_size=size, sync_dist=True)
        for name, value in self.last_loss_parts.items():
            self.log(f"val/{name}", value, on_epoch=True, batch_size=size, sync_dist=True)
        probabilities = self.activate(logits.detach().float().clone())
        self.val_overlap.update(
            probabilities, labels, valid, self._activation_names, self.layout.continuous
        )
        overlap = self.val_overlap
        self.log(VAL_DICE, overlap.dice, on_step=False, on_epoch=True, prog_bar=True)
        self.log(VAL_IOU, overlap.iou, on_step=False, on_epoch=True)
        return {"loss": loss, "probabilities": probabilities}

    def activate(self, logits: torch.Tensor) -> torch.Tensor:
        """Per-channel activation (sigmoid, softmax groups, tanh) of (B, C, ...) logits."""
        return ActivationPlan.build(self._activation_names, logits.shape[1]).apply_(logits)

    # -------------------------------------------------------------- inference
    def inference_setup(self, image: Any, where: str = "the input") -> tuple[Any, InferenceOptions]:
        """The network and sliding-window options fitted to `image` (2D models go section by
        section through z-stacks; a channel count other than model.in_channels is an error)."""
        options = replace(self.inference_options(), device=str(self.device))
        shape = tuple(image.shape)
        return fit_model_to_input(
            self.model, shape, options, int(self.cfg.model.in_channels), where
        )

    def inference_options(self) -> InferenceOptions:
        """The sliding-window options of the config, with this module's training statistics."""
        return InferenceOptions.from_config(self.cfg, normalize_stats=self.normalize_stats)

    def predict_image(self, image: Any, name: str = "the input") -> np.ndarray:
        """Sliding-window prediction (activated) of one whole image volume, in memory."""
        model, options = self.inference_setup(image, name)
        return predict_volume(model, image, options=options)

    def test_step(self, batch: Any, batch_idx: int) -> dict[str, float]:
        """Sliding-window prediction of one whole test volume, decoding, writing and scores."""
        from connectomics.lightning.test_stage import score_and_write

        name, image, label = batch
        prediction = self.predict_image(image, str(name))
        scores = score_and_write(self.cfg, name, prediction, label)
        for key, value in scores.items():
            self.log(f"test/{key}", float(value), batch_size=1, sync_dist=False)
        return scores

    def predict_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> dict[str, Any]:
        """Per-volume prediction: in memory, or streamed chunk by chunk when chunk_size is set."""
        name, image, _ = batch
        if self.cfg.inference.chunk_size:
            from connectomics.lightning.run_paths import volume_path

            output = volume_path(self.cfg, name, "prediction")
            model, options = self.inference_setup(image, str(name))
            predict_to_store(
                model,
                image,
                str(output),
                chunk_size=list(self.cfg.inference.chunk_size),
                rank=self.global_rank,
                world_size=self.trainer.world_size if self._trainer is not None else 1,
                barrier=self.trainer.strategy.barrier if self._trainer is not None else None,
                options=options,
                voxel_size=self.cfg.data.voxel_size,
            )
            return {"name": name, "path": str(output), "prediction": None}
        return {"name": name, "path": None, "prediction": self.predict_image(image, str(name))}

    # -------------------------------------------------------------- optimizer
    def configure_optimizers(self) -> Any:
        """Optimizer from cfg.optimizer; scheduler from cfg.scheduler with per-step warm-up."""
        optimizer = build_optimizer(self.cfg, self.parameters())
        total = int(self.trainer.estimated_stepping_batches)
        epochs = max(int(self.trainer.max_epochs or 1), 1)
        if self.cfg.training.max_steps and self.cfg.training.max_steps > 0:
            steps_per_epoch = max(total // epochs, 1)
            if self.trainer.num_training_batches not in (None, float("inf")):
                steps_per_epoch = max(
                    int(self.trainer.num_training_batches) // self.trainer.accumulate_grad_batches,
                    1,
                )
        else:
            steps_per_epoch = max(total // epochs, 1)
        schedulers = build_scheduler(self.cfg, optimizer, total, steps_per_epoch)
        if not schedulers:
            return optimizer
        return [optimizer], schedulers

    # ------------------------------------------------------------ checkpoints
    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Embed the resolved config (plain YAML text) so a checkpoint alone rebuilds the model."""
        checkpoint[CONFIG_KEY] = config_to_checkpoint(self.resolved_config())
        stats = self.normalize_stats
        checkpoint[STATS_KEY] = None if stats is None else stats.model_dump()

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Refuse (CheckpointError) a resume checkpoint whose weights do not fit this model."""
        state = checkpoint.get("state_dict")
        if not isinstance(state, dict):
            raise CheckpointError("not a Lightning checkpoint (no state_dict)")
        if not state_dict_mismatch(self.state_dict(), state):
            return
        problem = describe_mismatch(
            self.state_dict(), state, self.cfg, _embedded_config(checkpoint.get(CONFIG_KEY))
        )
        raise CheckpointError(
            f"the checkpoint does not fit the configured model {self.cfg.model.architecture}: "
            f"{problem}; resume with the config it was trained with"
        )

    @classmethod
    def load_from_checkpoint(  # type: ignore[override]
        cls,
        checkpoint_path: str | Path,
        cfg: ConfigLike | None = None,
        map_location: Any = "cpu",
        strict: bool = True,
        model: nn.Module | None = None,
        **kwargs: Any,
    ) -> ConnectomicsModule:
        """Rebuild the module from a checkpoint; its embedded config is used unless cfg is given.

        Only tensors and plain containers are unpickled (weights_only), so an untrusted file
        cannot run code; a corrupt or foreign file raises CheckpointError.
        """
        path = Path(checkpoint_path)
        if not path.is_file():
            raise CheckpointError(f"checkpoint not found: {path}")
        checkpoint = safe_torch_load(path, map_location=map_location)
        if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
            raise CheckpointError(f"{path} is not a Lightning checkpoint (no state_dict)")
        check_finite_weights(checkpoint["state_dict"], path)
        if cfg is None:
            cfg = config_from_checkpoint(checkpoint.get(CONFIG_KEY), path)
        module = cls(cfg, model=model)
        stats = checkpoint.get(STATS_KEY)
        if module.normalize_stats is None and stats is not None:
            # a model is always fed inputs normalized with the statistics it was trained with
            module.normalize_stats = NormalizationStats(**stats)
        state = checkpoint["state_dict"]
        if strict and state_dict_mismatch(module.state_dict(), state):
            trained = _embedded_config(checkpoint.get(CONFIG_KEY))
            raise CheckpointError(
                f"{path} does not fit the configured model {module.cfg.model.architecture}: "
                f"{describe_mismatch(module.state_dict(), state, module.cfg, trained)}; use the "
                "config it was trained with (without --config the checkpoint's own is used)"
            )
        try:
            module.load_state_dict(state, strict=strict)
        except RuntimeError as exc:  # shapes differ under strict=False
            raise CheckpointError(
                f"{path} does not fit the configured model {module.cfg.model.architecture}: "
                f"{state_dict_mismatch(module.state_dict(), state) or str(exc).splitlines()[0]}"
            ) from exc
        return module


def _embedded_config(text: Any) -> Config | None:
    """The config a checkpoint embeds, or None when it has none or it does not validate."""
    if not isinstance(text, str):
        return None
    try:
        return config_from_checkpoint(text, Path("checkpoint"))
    except Exception:  # an old or foreign config: the weights' difference is still reported
        return None


def _field(batch: Any, name: str) -> torch.Tensor | None:
    return getattr(batch, name, None)


def _finest(outputs: Any) -> torch.Tensor:
    return outputs[0] if isinstance(outputs, list | tuple) else outputs
