"""The planner: fingerprint + task + budget -> a full, commented training config.

Rules (after nnU-Net's, in physical units for EM): an axis is down-sampled only while its
spacing is at most twice the finest one, so serial sections keep z until x-y reach its spacing;
levels are added until the 3-voxel kernel of the coarsest level spans the median object (at
most 5 levels, the coarsest at least 4 voxels a side); patch and batch are the largest that a
trial step of the planned network measures within the memory budget; offsets, contour widths
and distance scales are chosen in nm and written in nm (`data.voxel_size` converts them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectomics.data.errors import DataError
from connectomics.data.planning.fingerprint import Fingerprint
from connectomics.data.planning.trial import GIB, TrialResult, available_memory_bytes, measure_step

TASKS = ("neurons", "mitochondria", "synapses", "semantic")
MAX_LEVELS = 5
MIN_COARSE_VOXELS = 4  # feature map side at the coarsest level (nnU-Net's 4)
MEMORY_MARGIN = 0.85  # a plan uses at most this share of the budget (loader, Lightning)
CPU_MAX_IN_PLANE = 128  # CPU steps beyond this patch side are too slow to train in minutes
GPU_MAX_IN_PLANE = 256
DEFAULT_OBJECT_NM = {"neurons": 500.0, "mitochondria": 300.0, "synapses": 200.0, "semantic": 300.0}
MIN_STEPS = 100  # with --time, a patch whose steps would not fit this many times is too slow
LOADER_OVERHEAD = 1.5  # a real step = trial step x this (crop reads, augmentation, targets)


@dataclass
class Budget:
    """What the run may use: device, memory (bytes; None = measured free) and minutes."""

    device: str = "cpu"
    memory_bytes: int | None = None
    minutes: float | None = None
    threads: int = 2


@dataclass
class Plan:
    """A config (nested mapping), one line of explanation per choice, and the trial figures."""

    config: dict[str, Any]
    reasons: dict[str, str] = field(default_factory=dict)
    trials: list[tuple[list[int], int, TrialResult]] = field(default_factory=list)

    def why(self, key: str, value: Any, reason: str) -> Any:
        """Set dotted `key` to `value` and record the one-line `reason`."""
        section = self.config
        *parents, last = key.split(".")
        for name in parents:
            section = section.setdefault(name, {})
        section[last] = value
        self.reasons[key] = reason
        return value


def plan_strides(
    voxel_size: tuple[float, float, float], object_nm: float, max_patch: list[int]
) -> list[list[int]]:
    """Per-level strides: pool an axis while its spacing <= 2x the finest one; stop once the
    coarsest 3-voxel kernel spans `object_nm` in-plane or a pooled axis would go below 4."""
    spacing = list(voxel_size)
    reach = [1, 1, 1]
    strides: list[list[int]] = []
    while len(strides) < MAX_LEVELS - 1:
        finest = min(spacing)
        stride = [
            2 if s <= 2 * finest and max_patch[a] // (reach[a] * 2) >= MIN_COARSE_VOXELS else 1
            for a, s in enumerate(spacing)
        ]
        if max(stride) == 1 or min(stride[1:]) == 1:
            break
        strides.append(stride)
        spacing = [s * f for s, f in zip(spacing, stride, strict=True)]
        reach = [r * f for r, f in zip(reach, stride, strict=True)]
        if 3 * min(spacing[1:]) >= object_nm and len(strides) >= 2:
            break
    if not strides:
        raise DataError(
            f"the volume is too small to down-sample (max patch {max_patch}); give a larger volume"
        )
    return strides


def _multiple(strides: list[list[int]]) -> list[int]:
    return [math.prod(s[a] for s in strides) for a in range(3)]


def _floor_to(value: float, step: int) -> int:
    return max(step, int(value) // step * step)


def patch_candidates(
    fp: Fingerprint, strides: list[list[int]], max_patch: list[int], cap: int
) -> list[list[int]]:
    """Patches from small to large: in-plane sides growing by 1.25x up to `cap`, z following
    the physical aspect (about as many nm as in-plane, as nnU-Net sizes by spacing)."""
    step = _multiple(strides)
    unit = max(step[1:])
    limit = _floor_to(min(cap, *max_patch[1:]), unit)
    sides: list[int] = []
    side = float(max(2 * unit, 16))  # the coarsest level at least 2 voxels a side
    while not sides or sides[-1] < limit:
        s = min(_floor_to(side, unit), limit)
        if not sides or s > sides[-1]:
            sides.append(s)
        side *= 1.25
    out = []
    ratio = fp.voxel_size[1] / fp.voxel_size[0]
    for s in sides:
        y = min(s, _floor_to(max_patch[1], step[1]))
        x = min(s, _floor_to(max_patch[2], step[2]))
        z = min(_floor_to(max(s * ratio, 2 * step[0]), step[0]), _floor_to(max_patch[0], step[0]))
        if z > max_patch[0]:
            continue
        out.append([z, y, x])
    return out


def _max_patch(fp: Fingerprint, split_axis: int) -> list[int]:
    # validation holds out the last part along split_axis; both parts hold one patch
    return [s // 2 if a == split_axis else s for a, s in enumerate(fp.shape)]


def _budget_bytes(budget: Budget) -> tuple[int, str]:
    if budget.memory_bytes is not None:
        return budget.memory_bytes, f"--memory {budget.memory_bytes / GIB:g} GiB"
    free = available_memory_bytes(budget.device)
    # a shared machine: take half of what is free now
    share = free // 2 if budget.device == "cpu" else free
    return share, f"measured free memory {free / GIB:.1f} GiB (using {share / GIB:.1f})"


def fit_patch_and_batch(
    plan: Plan, model_config: dict[str, Any], candidates: list[list[int]], budget: Budget
) -> tuple[list[int], int, TrialResult, str]:
    """The largest patch (batch 2, else 1) whose measured trial step fits the budget (and,
    with --time, runs at least MIN_STEPS times in it)."""
    import torch

    from connectomics.config import create_config
    from connectomics.models import build_model

    limit, where = _budget_bytes(budget)
    slowest = None
    if budget.minutes is not None:
        slowest = budget.minutes * 60 * 0.8 / LOADER_OVERHEAD / MIN_STEPS
        where += f", and >= {MIN_STEPS} steps in --time {budget.minutes:g} min"
    torch.set_num_threads(max(1, budget.threads))
    data = plan.config["data"]
    cfg = create_config(
        {
            "model": model_config,
            "data": {"targets": data["targets"], "voxel_size": list(data["voxel_size"])},
        }
    )
    best: tuple[list[int], int, TrialResult] | None = None
    for patch in candidates:
        fitted = None
        for batch in (2, 1) if best is None else (2,):
            torch.manual_seed(0)
            model = build_model(cfg)
            try:
                result = measure_step(model, cfg.model.in_channels, patch, batch, budget.device)
            except (RuntimeError, MemoryError):  # a real out-of-memory at this size
                continue
            plan.trials.append((patch, batch, result))
            fast = slowest is None or result.step_seconds <= slowest or best is None
            if result.peak_bytes <= MEMORY_MARGIN * limit and fast:
                fitted = (patch, batch, result)
                break
        if fitted is None:
            break
        best = fitted
    if best is None:
        smallest = plan.trials[0][2].peak_bytes / GIB if plan.trials else float("nan")
        raise DataError(
            f"the smallest planned step (patch {candidates[0]}, batch 1) measured "
            f"{smallest:.2f} GiB, over {MEMORY_MARGIN:.0%} of the budget ({where}); give more "
            "--memory or use another device"
        )
    return best[0], best[1], best[2], where


def _filters(levels: int, device: str) -> list[int]:
    base, top = (32, 320) if device == "cuda" else (16, 128)
    return [min(base * 2**i, top) for i in range(levels)]


def _round_nm(value: float, spacing: float) -> float:
    voxels = max(1, round(value / spacing))
    number = voxels * spacing
    return int(number) if float(number).is_integer() else round(number, 3)


def _bce_and_dice(plan: Plan) -> None:
    """BCE plus Dice on probabilities, equally weighted (foreground-like targets)."""
    plan.why(
        "model.loss_functions",
        ["BCEWithLogitsLoss", "DiceLoss"],
        "BCE calibrates, Dice fights the imbalance",
    )
    plan.why("model.loss_weights", [1.0, 1.0], "equal weights")
    plan.why("model.loss_kwargs", [{}, {"sigmoid": True}], "Dice sees probabilities")


def _task_targets(plan: Plan, fp: Fingerprint, task: str, patch: list[int]) -> int:
    """Targets, losses, decoder and metrics of `task`; returns the output channel count."""
    vz, vy, vx = fp.voxel_size
    anisotropic = fp.anisotropy >= 2
    small = fp.diameter_nm.get("p10")
    if task == "neurons":
        if fp.label_kind == "binary":
            raise DataError(
                "--task neurons needs instance ids in --label (it holds a 0/1 mask); "
                "use --task semantic for a membrane or cell mask"
            )
        # long range in-plane: half the small (10th percentile) neurite, 3..9 voxels, < patch/4
        caliber = small[2] if small else DEFAULT_OBJECT_NM[task]
        far_xy = min(max(3, round(caliber / 2 / vx)), 9, patch[2] // 4) * vx
        far_z = (2 if anisotropic else max(2, round(far_xy / 2 / vz))) * vz
        far_z = min(far_z, max(2, patch[0] // 2) * vz)  # 2 sections at least: not the nearest
        offsets = [
            [vz, 0, 0],
            [0, vy, 0],
            [0, 0, vx],
            [far_z, 0, 0],
            [0, far_xy, 0],
            [0, 0, far_xy],
        ]
        offsets = [[_num(v) for v in off] for off in offsets]
        plan.why(
            "data.targets",
            [{"name": "affinity", "kwargs": {"offsets_nm": offsets}}],
            f"affinities to the next voxel and long-range ones ({_num(far_z)} nm in z, "
            f"{_num(far_xy)} nm in-plane: half the 10th-percentile object) as auxiliary channels",
        )
        plan.why(
            "model.loss_functions",
            ["BalancedBCEWithLogitsLoss", "DiceLoss"],
            "most voxel pairs are connected: balanced BCE keeps boundaries, Dice their shape",
        )
        plan.why("model.loss_weights", [1.0, 0.5], "BCE leads, Dice helps")
        plan.why("model.loss_kwargs", [{}, {"sigmoid": True}], "Dice sees probabilities")
        plan.why("decoding.name", "affinity_waterz", "waterz agglomerates affinities into neurons")
        plan.why(
            "decoding.tune",
            {"enabled": True},
            "the merge threshold is picked on the validation part by adapted Rand error "
            "(over the decoder's grid)",
        )
        plan.why("evaluation.metrics", ["adapted_rand", "voi"], "instance scores for neurons")
        return len(offsets)
    if task == "mitochondria":
        width = _round_nm(max(vx, (small[2] if small else 100.0) / 16), vx)
        plan.why(
            "data.targets",
            [{"name": "binary_contour", "kwargs": {"thickness_nm": width}}],
            f"foreground and contours {width} nm wide (1/16 of the small object) split touching "
            f"mitochondria ({_pct(fp.touching_fraction)} of objects touch another)",
        )
        _bce_and_dice(plan)
        plan.why(
            "decoding.name",
            "binary_contour_watershed",
            "seeds inside contours, watershed on the foreground",
        )
        plan.why(
            "decoding.tune",
            {"enabled": True, "candidates": [0.5, 0.6, 0.7, 0.8, 0.9]},
            "the seed threshold is picked on the validation part",
        )
        plan.why(
            "evaluation.metrics", ["dice", "iou", "adapted_rand"], "overlap and instance scores"
        )
        return 2
    fg = 1.0 - (fp.background_fraction if fp.background_fraction is not None else 0.5)
    plan.why("data.targets", [{"name": "binary"}], "one foreground-probability channel")
    if task == "synapses" or fg < 0.05:
        plan.why(
            "data.class_balanced_weights",
            True,
            f"foreground is {_pct(fg)} of the voxels: weight it up",
        )
    _bce_and_dice(plan)
    plan.why("decoding.name", "binary_cc", "threshold then connected components")
    plan.why(
        "decoding.tune",
        {"enabled": task == "synapses", "candidates": [0.3, 0.4, 0.5, 0.6, 0.7]},
        "the threshold is picked on the validation part"
        if task == "synapses"
        else "semantic output: the threshold is not tuned",
    )
    plan.why("evaluation.metrics", ["dice", "iou"], "overlap scores of the foreground")
    return 1


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 3)


def _pct(value: float | None) -> str:
    return "unknown" if value is None else f"{100 * value:.0f} %"


def _augmentation(plan: Plan, fp: Fingerprint, device: str) -> None:
    anisotropic = fp.anisotropy >= 2
    aug: dict[str, Any] = {
        "enabled": True,
        "flip": {"enabled": True, "prob": 0.5},
        "rotate90": {"enabled": True, "prob": 0.5, "in_plane_only": True if anisotropic else None},
        "gamma": {"enabled": True, "prob": 0.3},
        "contrast_brightness": {"enabled": True, "prob": 0.3},
        "noise": {"enabled": True, "prob": 0.2, "std": 0.03},
        "elastic": {"enabled": device == "cuda", "prob": 0.3},
    }
    if anisotropic:
        aug["missing_section"] = {"enabled": True, "prob": 0.1, "num_sections": 1}
        aug["misalignment"] = {"enabled": True, "prob": 0.2, "max_displacement": 4}
    reason = (
        f"z is {fp.anisotropy:.1f}x coarser (serial sections): rotations in-plane only, "
        "missing and misaligned sections"
        if anisotropic
        else "near-isotropic: rotations in every plane the patch allows, no section artefacts"
    )
    if device != "cuda":
        reason += "; no elastic warps on a CPU (slow)"
    plan.why("data.augmentation", aug, reason)


def make_plan(
    fp: Fingerprint,
    task: str,
    budget: Budget,
    image: str,
    label: str | None,
    name: str | None = None,
) -> Plan:
    """The planned config of `task` for the data of `fp` within `budget`."""
    if task not in TASKS:
        raise DataError(f"--task {task!r}: choose one of {', '.join(TASKS)}")
    if label is None:
        raise DataError("planning a training config needs --label (the ground truth to train on)")
    plan = Plan(config={})
    stem = name or Path(image.split(":")[0]).stem
    plan.why("experiment_name", f"plan_{task}_{stem}", "task and volume")
    plan.why("system.seed", 0, "reproducible")
    plan.why("system.num_gpus", 1 if budget.device == "cuda" else 0, f"--device {budget.device}")
    if budget.device == "cpu":
        plan.why("system.num_threads", budget.threads, "CPU threads of the trial step")

    split_axis = max(range(3), key=lambda a: fp.shape[a])
    max_patch = _max_patch(fp, split_axis)
    median = fp.median_diameter_nm
    object_nm = min(median[1:]) if median else DEFAULT_OBJECT_NM[task]
    strides = plan_strides(fp.voxel_size, object_nm, max_patch)
    levels = len(strides) + 1
    kernels = [
        "x".join("1" if (max(s) > 1 and min(s) == 1 and v == 1) else "3" for v in s)
        for s in strides
    ]
    plan.why("model.architecture", "unet_res_em", "residual U-Net whose kernels follow the strides")
    plan.why("model.spatial_dims", 3, "a 3D volume")
    plan.why("model.in_channels", 1, "grey-scale EM")
    plan.why(
        "model.filters",
        _filters(levels, budget.device),
        f"{levels} levels, widths doubling from 32 up to 320"
        if budget.device == "cuda"
        else f"{levels} levels, widths doubling from 16 up to 128 (CPU)",
    )
    plan.why(
        "model.strides",
        strides,
        f"pool an axis while its spacing <= 2x the finest (voxel {list(fp.voxel_size)} nm); "
        f"the coarsest kernel spans {3 * min(fp.voxel_size[1] * _multiple(strides)[1], 1e9):g} nm "
        f"for a median object of {object_nm:g} nm; level kernels {kernels + ['3x3x3']}",
    )
    plan.why("model.norm", "batch", "batch norm (batch >= 2 in most plans)")
    plan.why("data.voxel_size", list(fp.voxel_size), f"nm, z y x, from {fp.voxel_size_source}")
    out = _task_targets(plan, fp, task, [max_patch[0], max_patch[1], max_patch[2]])
    plan.why("model.out_channels", out, "one channel per target channel")

    cap = GPU_MAX_IN_PLANE if budget.device == "cuda" else CPU_MAX_IN_PLANE
    candidates = patch_candidates(fp, strides, max_patch, cap)
    patch, batch, trial, where = fit_patch_and_batch(plan, plan.config["model"], candidates, budget)
    if task == "neurons":  # long-range offsets must fit the chosen patch too
        _task_targets(plan, fp, task, patch)
    plan.why("data.train_image", image, "the planned volume")
    plan.why("data.train_label", label, "its labels")
    plan.why(
        "data.patch_size",
        patch,
        f"largest candidate whose trial step measured {trial.peak_bytes / GIB:.2f} GiB "
        f"({trial.how}) within {MEMORY_MARGIN:.0%} of {where}; multiple of {_multiple(strides)}",
    )
    plan.why("data.batch_size", batch, "2 where it fits (batch norm), else 1")
    plan.why("data.num_workers", 0, "crops are read in the training process")
    plan.why("data.val_split", 0.2, "the last 20 % validates and tunes the decoder")
    plan.why("data.split_axis", split_axis, f"the longest axis ({fp.shape[split_axis]} voxels)")
    plan.why("data.pad_mode", "reflect", "volumes smaller than a patch are padded, not refused")
    stats = fp.intensity
    plan.why("data.normalize", "percentile", "clip to the 0.5/99.5 percentiles, robust to outliers")
    plan.why(
        "data.normalize_stats",
        {
            "low": stats["p0.5"],
            "high": stats["p99.5"],
            "mean": round(stats["mean"], 3),
            "std": round(stats["std"], 3),
        },
        "from the fingerprint's sample",
    )
    _augmentation(plan, fp, budget.device)
    _run_length(plan, trial, budget)
    plan.why(
        "optimizer",
        {"name": "AdamW", "lr": 0.002 if budget.device == "cpu" else 0.001, "weight_decay": 0.0001},
        "AdamW; a higher rate for short CPU runs",
    )
    plan.why(
        "scheduler",
        {"name": "CosineAnnealingLR", "warmup_epochs": 1, "min_lr": 1.0e-5},
        "cosine decay over the planned epochs",
    )
    plan.why(
        "checkpoint",
        {"monitor": "val/loss", "mode": "min", "save_top_k": 1, "save_last": True},
        "keep the best and the last",
    )
    plan.why("early_stopping", {"enabled": False}, "the run length is planned")
    plan.why(
        "logging",
        {"save_dir": f"outputs/plan_{task}_{stem}", "log_every_n_steps": 10, "log_images": False},
        "one folder per plan",
    )
    plan.why(
        "inference",
        {
            "window_size": patch,
            "overlap": 0.25,
            "batch_size": batch,
            "tta_flip": budget.device == "cuda",
        },
        "windows of the training patch; flips at test time on a GPU only",
    )
    plan.why("evaluation.enabled", True, "score the test volume when one is given")
    return plan


def _run_length(plan: Plan, trial: TrialResult, budget: Budget) -> None:
    step = trial.step_seconds * LOADER_OVERHEAD
    if budget.minutes is None:
        steps = 20000 if budget.device == "cuda" else 2000
        why = f"no --time: {steps} steps (measured {trial.step_seconds:.2f} s per trial step)"
    else:
        steps = max(4, int(budget.minutes * 60 * 0.8 / step))
        why = (
            f"--time {budget.minutes:g} min: 80 % of it / ({trial.step_seconds:.2f} s measured "
            f"x {LOADER_OVERHEAD} for loading) = {steps} steps; max_time stops it anyway"
        )
        total = max(1, math.ceil(budget.minutes * 60))
        plan.why(
            "training.max_time",
            f"00:{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}",
            "the wall-clock budget",
        )
    per_epoch = max(2, min(100, steps // 10))
    epochs = max(1, steps // per_epoch)
    plan.why("data.steps_per_epoch", per_epoch, "about 10 validations per run")
    plan.why("data.val_iterations", 4, "validation crops per epoch")
    plan.why("training.max_epochs", epochs, why)
    plan.why(
        "training.precision",
        "16-mixed" if budget.device == "cuda" else "32",
        "mixed precision on a GPU, float32 on a CPU",
    )
