"""Meanings of config keys whose schema field carries no comment of its own.

The comment written above a field in connectomics/config/schema/*.py is the main source; an entry
here fills a key the schema leaves uncommented, or introduces a comment that does not say what
the key is (it is shown before the comment). Patterns use fnmatch syntax
(``*`` matches one or more path parts). An entry that matches no key of the schema is a build
warning, so a renamed or removed key cannot leave a stale description behind.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

_AUG = "data.augmentation"

MEANINGS: dict[str, str] = {
    "experiment_name": "Name of the run, used in log and output folder names.",
    "system.seed": "Seed of every random number generator (Python, NumPy, torch, workers).",
    "model.in_channels": "Channels of the input image (1 for grey-scale EM).",
    "model.out_channels": (
        "Channels the network predicts; must equal the channels of data.targets "
        "(e.g. 3 for 3D affinities)."
    ),
    "model.dropout": "Dropout probability inside the network (0 disables it).",
    "model.loss_weights": "Weight of each loss in model.loss_functions in the weighted sum.",
    "data.train_image": "Training image volume(s).",
    "data.train_label": "Label volume(s) of the training images, in the same order.",
    "data.train_mask": "Optional mask volume(s): 1 where training labels are known.",
    "data.val_image": "Validation image volume(s); when absent see data.val_split.",
    "data.val_label": "Label volume(s) of the validation images.",
    "data.val_mask": "Optional mask volume(s) of the validation images.",
    "data.test_image": "Image volume(s) predicted by ``connectomics test``.",
    "data.test_label": "Ground truth of the test images, for evaluation.",
    "data.test_mask": "Optional mask volume(s) of the test images.",
    "data.image_key": "HDF5/Zarr dataset name of image volumes.",
    "data.label_key": "HDF5/Zarr dataset name of label volumes.",
    "data.mask_key": "HDF5/Zarr dataset name of mask volumes.",
    "data.batch_size": "Crops per training batch (per device under DDP).",
    "data.num_workers": "DataLoader worker processes (0 loads in the main process).",
    "data.persistent_workers": "Keep DataLoader workers alive between epochs.",
    "data.split_axis": "Axis (0 = z) along which data.val_split cuts each training volume.",
    "data.min_instances": "Minimum number of label instances a training crop must contain.",
    "data.reject_max_tries": (
        "Draws per crop before the foreground/instance constraints are given up."
    ),
    "data.targets": "Label-to-target transforms; their channels are concatenated in order.",
    f"{_AUG}.enabled": "Master switch of all augmentations.",
    f"{_AUG}.*.enabled": "Apply this augmentation.",
    f"{_AUG}.*.prob": "Probability that a training sample receives this augmentation.",
    f"{_AUG}.elastic.sigma_range": "Range of the smoothing sigma (voxels) of the displacement field.",
    f"{_AUG}.elastic.magnitude_range": "Range of the displacement magnitude before smoothing.",
    f"{_AUG}.elastic.grid_magnitude_range": "2D only: range of the displacement, in grid units.",
    f"{_AUG}.missing_section.noise_std": "Standard deviation of the faint noise in a lost section.",
    f"{_AUG}.gamma.gamma_range": "Range the gamma exponent is drawn from.",
    f"{_AUG}.contrast_brightness.contrast_range": "Range of the contrast (multiplicative) factor.",
    f"{_AUG}.contrast_brightness.brightness_range": "Range of the brightness (additive) shift.",
    f"{_AUG}.noise.std": "Standard deviation of the noise, in normalised intensity units.",
    f"{_AUG}.blur.sigma_range": "Range of the Gaussian sigma (voxels).",
    f"{_AUG}.misalignment.max_displacement": "Largest in-plane shift of a section, in voxels.",
    f"{_AUG}.misalignment.slip_ratio": (
        "Probability that one section slips rather than all later sections translating."
    ),
    f"{_AUG}.missing_section.num_sections": "Number of sections replaced per sample.",
    f"{_AUG}.missing_parts.max_size_ratio": "Largest hole size as a fraction of the section.",
    f"{_AUG}.motion_blur.sections": "Number of sections blurred per sample.",
    f"{_AUG}.motion_blur.kernel_size": "Length of the motion-blur kernel, in voxels.",
    f"{_AUG}.cut_noise.length_ratio": "Side of the cuboid as a fraction of the patch side.",
    f"{_AUG}.cut_noise.scale": "Amplitude of the noise added inside the cuboid.",
    f"{_AUG}.cut_blur.length_ratio": "Side of the cuboid as a fraction of the patch side.",
    f"{_AUG}.cut_blur.down_ratio_range": "Range of the down-sampling factor inside the cuboid.",
    "training.max_epochs": "Epochs to train (an epoch is data.steps_per_epoch optimizer steps).",
    "training.accumulate_grad_batches": "Batches whose gradients are summed per optimizer step.",
    "training.gradient_clip_val": "Gradient clipping threshold (null disables clipping).",
    "training.gradient_clip_algorithm": 'Clip by "norm" or by "value".',
    "training.check_val_every_n_epoch": "Run validation every this many epochs.",
    "training.deterministic": "Ask torch for deterministic algorithms (slower, reproducible).",
    "optimizer.name": "Optimizer class in torch.optim (AdamW, Adam, SGD, ...).",
    "optimizer.lr": "Peak learning rate (reached after the warm-up).",
    "optimizer.weight_decay": "Weight decay (L2 penalty; decoupled for AdamW).",
    "optimizer.momentum": "Momentum of SGD-type optimizers.",
    "optimizer.betas": "Adam/AdamW beta coefficients.",
    "scheduler.warmup_epochs": "Length of the linear learning-rate warm-up, in epochs (0: none).",
    "scheduler.min_lr": "Learning rate at the end of the schedule (CosineAnnealingLR, PolyLR).",
    "scheduler.gamma": "Multiplicative decay factor of StepLR and ReduceLROnPlateau.",
    "scheduler.monitor": "Metric ReduceLROnPlateau watches.",
    "checkpoint.monitor": "Logged metric that ranks checkpoints.",
    "checkpoint.mode": '"min" or "max": whether a lower or higher monitored value is better.',
    "checkpoint.save_top_k": "Number of best checkpoints kept (-1 keeps all).",
    "checkpoint.save_last": "Also write last.ckpt after every epoch (for resuming).",
    "checkpoint.filename": "Checkpoint file name pattern (Lightning ModelCheckpoint syntax).",
    "checkpoint.every_n_epochs": "Epochs between checkpoints.",
    "early_stopping.enabled": "Stop training when the monitored metric stops improving.",
    "early_stopping.monitor": "Logged metric early stopping watches.",
    "early_stopping.patience": "Validation runs without improvement before stopping.",
    "early_stopping.mode": '"min" or "max": whether a lower or higher value is better.',
    "early_stopping.min_delta": "Smallest change that counts as an improvement.",
    "logging.save_dir": "Root folder of logs, checkpoints, predictions and the saved config.",
    "logging.log_every_n_steps": "Training steps between logged scalars.",
    "logging.use_wandb": "Log to Weights & Biases (needs the [wandb] extra) as well.",
    "logging.wandb_project": "Weights & Biases project.",
    "logging.wandb_entity": "Weights & Biases team or user (null: your default).",
    "logging.wandb_name": "Weights & Biases run name (null: experiment_name).",
    "logging.progress_bar": "Show Lightning's progress bar.",
    "inference.sigma_scale": "Sigma of the Gaussian blending weight, as a fraction of the window.",
    "inference.batch_size": "Windows predicted per forward pass.",
    "inference.tta_transpose": "Also average over y-x transposes (with tta_flip).",
    "decoding.kwargs": "Keyword arguments of the decoder (thresholds, seeds, merge function).",
    "evaluation.enabled": "Score test predictions against data.test_label when it is given.",
}


def meaning_of(key: str) -> str:
    """The meaning of a dotted key from MEANINGS: an exact entry first, else the first pattern."""
    if key in MEANINGS:
        return MEANINGS[key]
    for pattern, text in MEANINGS.items():
        if fnmatchcase(key, pattern):
            return text
    return ""
