"""`create_trainer`: a Lightning Trainer configured from the config's sections."""

from __future__ import annotations

import inspect
import logging
import sys
import warnings
from pathlib import Path
from typing import Any

import torch
from pytorch_lightning import Trainer
from pytorch_lightning.callbacks import (
    Callback,
    EarlyStopping,
    EMAWeightAveraging,
    LearningRateMonitor,
    ModelCheckpoint,
    TQDMProgressBar,
)
from pytorch_lightning.loggers import Logger, TensorBoardLogger

from connectomics.config.errors import ConfigError
from connectomics.config.precision import announce, choose_precision
from connectomics.config.schema import Config
from connectomics.data.datasets.builders import check_fit_inputs
from connectomics.lightning.callbacks import ImageLogger, sanitize_filename_template
from connectomics.lightning.checkpoint_io import AtomicCheckpointIO, check_resume_checkpoint
from connectomics.lightning.checkpointing import SafeModelCheckpoint
from connectomics.lightning.errors import RunExistsError
from connectomics.lightning.finetune import finetune_callbacks
from connectomics.lightning.finite import NonFiniteGuard
from connectomics.lightning.rng_state import RngStateCheckpoint
from connectomics.lightning.run_lock import RunFolderLock
from connectomics.lightning.run_paths import checkpoint_dir, output_dir
from connectomics.lightning.run_record import ConfigRecorder
from connectomics.lightning.tuning_callback import DecoderTuning
from connectomics.lightning.writers import VolumePredictionWriter

log = logging.getLogger(__name__)
# ckpt_path values Lightning resolves itself (not files)
LIGHTNING_CKPT_NAMES = ("last", "best", "hpc", "registry")


def resolve_devices(cfg: Config) -> tuple[str, int | str, str]:
    """(accelerator, devices, strategy) from cfg.system: num_gpus > 1 or devices > 1 means DDP."""
    system = cfg.system
    accelerator = system.accelerator
    if accelerator == "auto":
        accelerator = "gpu" if system.num_gpus > 0 and torch.cuda.is_available() else "cpu"
        if system.num_gpus > 0 and not torch.cuda.is_available():
            warnings.warn(
                f"system.num_gpus={system.num_gpus} but no CUDA device is visible; training on the CPU",
                stacklevel=2,
            )
    if accelerator == "cuda":
        accelerator = "gpu"
    if system.devices is not None:
        devices: int | str = system.devices
    elif accelerator == "gpu":
        devices = max(system.num_gpus, 1)
    else:
        devices = 1
    strategy = system.strategy
    if strategy == "auto" and isinstance(devices, int) and devices > 1:
        strategy = "ddp"
    return accelerator, devices, strategy


def resolve_precision(cfg: Config, accelerator: str) -> str:
    """Training precision on `accelerator` by the one rule of connectomics.config.precision
    (BFloat16 on a CPU only where it is native), said in one line."""
    choice = choose_precision(cfg.training.precision, accelerator, "training")
    announce(choice, cfg.training.precision)
    return choice.precision


def build_loggers(cfg: Config) -> list[Logger]:
    """TensorBoard under {save_dir}/lightning_logs, plus wandb when logging.use_wandb."""
    loggers: list[Logger] = [
        TensorBoardLogger(save_dir=cfg.logging.save_dir, name="lightning_logs")
    ]
    if cfg.logging.use_wandb:
        try:  # wandb is the optional [wandb] extra, imported only when asked for
            import wandb  # noqa: F401
            from pytorch_lightning.loggers import WandbLogger
        except ImportError as exc:
            raise ConfigError(
                "logging.use_wandb is true but wandb is not installed; "
                'install it with: pip install "connectomics-lightning[wandb]"'
            ) from exc
        loggers.append(
            WandbLogger(
                project=cfg.logging.wandb_project,
                entity=cfg.logging.wandb_entity,
                name=cfg.logging.wandb_name or cfg.experiment_name,
                save_dir=cfg.logging.save_dir,
            )
        )
    return loggers


def show_progress_bar(cfg: Config) -> bool:
    """logging.progress_bar where someone watches: stdout a terminal or a notebook (a log
    file or a pipe would keep every redraw of the bar as a line)."""
    if not cfg.logging.progress_bar:
        return False
    try:
        interactive = sys.stdout.isatty()
    except (AttributeError, ValueError):  # stdout closed or replaced
        interactive = False
    return interactive or "ipykernel" in sys.modules


def build_callbacks(cfg: Config) -> list[Callback]:
    """Checkpointing, early stopping, LR monitor, progress bar and image logging."""
    ckpt = cfg.checkpoint
    callbacks: list[Callback] = [
        SafeModelCheckpoint(
            dirpath=str(checkpoint_dir(cfg)),
            filename=sanitize_filename_template(ckpt.filename),
            monitor=ckpt.monitor,
            mode=ckpt.mode,
            save_top_k=ckpt.save_top_k,
            save_last=ckpt.save_last,
            every_n_epochs=ckpt.every_n_epochs,
            auto_insert_metric_name=False,
        ),
        LearningRateMonitor(logging_interval="step"),
        RngStateCheckpoint(),
        ConfigRecorder(),
    ]
    if cfg.training.check_finite:
        callbacks.append(NonFiniteGuard())
    es = cfg.early_stopping
    if es.enabled:
        # A validation metric is checked after validation only, so a run without
        # validation data simply never stops early instead of failing on a missing metric.
        callbacks.append(
            EarlyStopping(
                monitor=es.monitor,
                patience=es.patience,
                mode=es.mode,
                min_delta=es.min_delta,
                check_on_train_epoch_end=not es.monitor.startswith("val/"),
            )
        )
    if show_progress_bar(cfg):
        callbacks.append(TQDMProgressBar())
    if cfg.logging.log_images:
        callbacks.append(ImageLogger())
    callbacks.append(VolumePredictionWriter(output_dir(cfg), cfg.inference.output_format, cfg=cfg))
    callbacks += finetune_callbacks(cfg)  # model.init_from, model.freeze_encoder_epochs
    if cfg.training.ema_decay is not None:
        callbacks.append(EMAWeightAveraging(decay=float(cfg.training.ema_decay)))
    if cfg.decoding.tune.enabled:
        callbacks.append(DecoderTuning())
    return callbacks


# read once at import: the arguments of Lightning's own fit, whatever wraps it later
_FIT_SIGNATURE = inspect.signature(Trainer.fit)


class ConnectomicsTrainer(Trainer):
    """A Trainer whose `fit` refuses before anything is written: a fresh fit into a checkpoint
    folder of an earlier run (resuming is fine), missing or unreadable input volumes, and a
    resume checkpoint that is not a training checkpoint or does not fit the model.

    Lightning creates the loggers' version folders before the datamodule's setup and writes the
    run's config.yaml when fitting starts, so these checks run before `Trainer.fit`. They are
    checked when fitting starts, not when the trainer is built: a trainer made for test or
    predict, or a fit given ckpt_path, may use a folder that already holds checkpoints.
    """

    def __init__(self, *args: Any, fresh_run_folder: Path | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fresh_run_folder = fresh_run_folder

    def fit(self, *args: Any, **kwargs: Any) -> None:
        """Refuse (RunExistsError, DataError, CheckpointError) what `Trainer.fit` would refuse
        after writing."""
        bound = _FIT_SIGNATURE.bind(self, *args, **kwargs).arguments
        ckpt_path = bound.get("ckpt_path")
        if self.fresh_run_folder is not None and ckpt_path is None and self.global_step == 0:
            refuse_existing_run(self.fresh_run_folder)
        datamodule = bound.get("datamodule")
        if datamodule is not None and isinstance(getattr(datamodule, "cfg", None), Config):
            check_fit_inputs(datamodule.cfg)
        if ckpt_path is not None and str(ckpt_path) not in LIGHTNING_CKPT_NAMES:
            check_resume_checkpoint(ckpt_path, bound.get("model"))
        return super().fit(*args, **kwargs)


def refuse_existing_run(folder: Path) -> None:
    """RunExistsError naming `folder` and the fixes when it already holds checkpoints."""
    if folder.is_dir() and any(folder.glob("*.ckpt")):
        raise RunExistsError(
            f"{folder} already holds checkpoints of an earlier run; resume it "
            "(--resume CKPT / trainer.fit(..., ckpt_path=CKPT)) or choose a new logging.save_dir"
        )


def create_trainer(cfg: Config, resume: bool = False, **overrides: Any) -> Trainer:
    """A Trainer for cfg; keyword overrides go straight to `pytorch_lightning.Trainer`.

    Unless `resume` is true, fitting from scratch into a checkpoint folder that already holds
    checkpoints raises RunExistsError (a FileExistsError) when `trainer.fit` is called, before
    anything is written.
    `callbacks=[...]` adds to the configured callbacks instead of replacing them.
    """
    accelerator, devices, strategy = resolve_devices(cfg)
    training = cfg.training
    kwargs: dict[str, Any] = {
        "accelerator": accelerator,
        "devices": devices,
        "num_nodes": cfg.system.num_nodes,
        "strategy": strategy,
        "precision": resolve_precision(cfg, accelerator),
        "max_epochs": training.max_epochs,
        "max_steps": training.max_steps,
        "max_time": training.max_time,
        "accumulate_grad_batches": training.accumulate_grad_batches,
        "gradient_clip_val": training.gradient_clip_val,
        "gradient_clip_algorithm": training.gradient_clip_algorithm,
        "val_check_interval": _val_check_interval(training.val_check_interval),
        "check_val_every_n_epoch": training.check_val_every_n_epoch,
        "deterministic": training.deterministic,
        "detect_anomaly": training.detect_anomaly,
        "plugins": [AtomicCheckpointIO()],
        "log_every_n_steps": cfg.logging.log_every_n_steps,
        "default_root_dir": cfg.logging.save_dir,
        "enable_progress_bar": show_progress_bar(cfg),
        "logger": build_loggers(cfg),
        "callbacks": build_callbacks(cfg),
    }
    if overrides.get("enable_checkpointing") is False:
        kwargs["callbacks"] = [c for c in kwargs["callbacks"] if not isinstance(c, ModelCheckpoint)]
    if overrides.get("logger") is False:
        kwargs["callbacks"] = [
            c for c in kwargs["callbacks"] if not isinstance(c, (LearningRateMonitor, ImageLogger))
        ]
    fresh_run_folder = None
    if overrides.get("enable_checkpointing", True) is not False:
        kwargs["callbacks"].append(RunFolderLock(checkpoint_dir(cfg)))
        if not resume:
            fresh_run_folder = checkpoint_dir(cfg)
    extra = overrides.pop("callbacks", None) or []
    kwargs["callbacks"] += list(extra) if isinstance(extra, list | tuple) else [extra]
    kwargs.update(overrides)
    return ConnectomicsTrainer(**kwargs, fresh_run_folder=fresh_run_folder)


def _val_check_interval(value: float) -> float | int:
    """Floats up to 1.0 are fractions of an epoch; larger whole numbers count batches."""
    return int(value) if value > 1 and float(value).is_integer() else float(value)
