"""The generalization cases of bench_neurons: (a) cross-volume, train on the two medulla crops
and test on another FIB-SEM volume (neuroproof_ts2_top.h5); (b) within one realistic volume,
train on x < 200 of it, validate on 200 <= x < 225 (the decoder threshold is tuned there) and
test on x >= 225. Each variant trains the neurons_cpu tutorial for a fixed wall-clock budget
and is tested with waterz (threshold tuned on the validation part), the mutex watershed (no
threshold) and, for (a), after `connectomics adapt` on the unlabeled test volume.

The full volume's path comes from --neuroproof or $NEUROPROOF_H5; short mode (CI) uses the
crop shipped in tests/em_data and never reads ../shared.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import h5py
import torch
from machine import machine

REPO = Path(__file__).resolve().parents[1]
SHIPPED_CROP = REPO / "tests" / "em_data" / "neuroproof_ts2_crop.h5"
OFFSETS = "[[1,0,0],[0,1,0],[0,0,1],[4,0,0],[0,8,0],[0,0,8]]"
ROBUST_AUGMENTATIONS = ("histogram_warp", "scale", "blur", "noise")
# neurons_cpu's defaults since they measured best; stated here so that a variant's runs say all
ROBUST = [
    "data.normalize=volume_percentile",
    *(f"data.augmentation.{name}.enabled=true" for name in ROBUST_AUGMENTATIONS),
]
LSD = [
    "model.out_channels=16",
    f"data.targets=[{{name: affinity, kwargs: {{offsets: {OFFSETS}}}}}, "
    "{name: lsd, kwargs: {sigma: 5.0}}]",
]
# ablations: what each ingredient buys (full mode runs all, short mode the first two)
VARIANTS = {
    # the tutorial as it was before the robust settings became its defaults
    "plain": [
        "data.normalize=scale",
        *(f"data.augmentation.{name}.enabled=false" for name in ROBUST_AUGMENTATIONS),
    ],
    "robust": ROBUST,
    "robust_lsd": [*ROBUST, *LSD],
    "robust_ema": [*ROBUST, "training.ema_decay=0.999"],
    # CLAHE of each section instead of the percentiles alone
    "robust_clahe": ["data.normalize=clahe", *ROBUST[1:]],
}
DECODERS = {
    "waterz_tuned": [],
    # label-free: the threshold from the test volume's own merge scores (decoding/merge_gap.py)
    "waterz_merge_gap": ["decoding.kwargs.threshold=merge_gap"],
    "mws": ["decoding.name=affinity_mws", "decoding.tune.enabled=false"],
}
# after adaptation: the tuned threshold (from the source's validation part) and merge_gap
ADAPTED_DECODERS = ("waterz_tuned", "waterz_merge_gap")
# case (b) leaves EMA out (one ablation of it, in case (a), says what it buys)
WITHIN_VARIANTS = ("plain", "robust", "robust_lsd")
METRICS = "evaluation.metrics=[adapted_rand,voi,erl]"


def neuroproof_path(option: str | None, mode: str) -> Path:
    """The test volume: the full file in full mode (option or $NEUROPROOF_H5), else the crop."""
    if mode != "full":
        return SHIPPED_CROP
    given = option or os.environ.get("NEUROPROOF_H5")
    if not given:
        raise SystemExit(
            "error: full mode needs the neuroproof volume: --neuroproof PATH or $NEUROPROOF_H5 "
            "(e.g. ../shared/data/neuroproof_ts2_top.h5)"
        )
    return Path(given)


def split_x(source: Path, folder: Path, parts: dict[str, tuple[int, int]]) -> dict[str, Path]:
    """HDF5 files (raw, label) of x ranges of `source` (fractions of 250 when it is smaller)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    with h5py.File(source, "r") as f:
        width = f["raw"].shape[-1]
        for name, (lo, hi) in parts.items():
            lo, hi = (lo * width // 250, hi * width // 250)
            path = folder / f"{name}.h5"
            with h5py.File(path, "w") as g:
                for key in ("raw", "label"):
                    g.create_dataset(key, data=f[key][..., lo:hi], compression="gzip")
            out[name] = path
    return out


def run_case(
    name: str,
    workdir: Path,
    variants: dict[str, list[str]],
    data: list[str],
    budget: str,
    train: Callable[[Path, list[str]], tuple[float, Path]],
    test: Callable[[Path, Path, list[str]], dict[str, float]],
    target: Path | None,
    adapt_steps: int = 200,
    reuse: bool = False,
) -> dict:
    """Train every variant on `data` for `budget`; test with each decoder (and adapted).

    With `reuse`, a run whose checkpoint (and adapted checkpoint) the workdir already holds is
    tested again without training (and adapting) again."""
    results = {}
    for variant, overrides in variants.items():
        run = workdir / f"{name}_{variant}"
        common = [*data, *overrides, f"training.max_time={budget}", METRICS]
        load = os.getloadavg()
        checkpoint = run / "outputs" / "neurons_cpu" / "checkpoints" / "last.ckpt"
        entry: dict = {"overrides": overrides, "load_average": load}
        if reuse and checkpoint.is_file():
            entry["reused"] = str(checkpoint)
        else:
            entry["train_s"], checkpoint = train(run, common)
        entry["steps"] = int(
            torch.load(checkpoint, map_location="cpu", weights_only=False)["global_step"]
        )
        for decoder, extra in DECODERS.items():
            entry[decoder] = test(run, checkpoint, [*common, *extra])
        if target is not None:
            adapted = run / "adapted.ckpt"
            if not (reuse and adapted.is_file()):
                start = time.perf_counter()
                subprocess.run(
                    [
                        *CLI,
                        "adapt",
                        "--checkpoint",
                        str(checkpoint),
                        "--input",
                        f"{target}:raw",
                        "--output",
                        str(adapted),
                        "--steps",
                        str(adapt_steps),
                    ],
                    cwd=run,
                    check=True,
                    capture_output=True,
                )
                entry["adapt_s"] = time.perf_counter() - start
            for decoder in ADAPTED_DECODERS:
                entry[f"adapted_{decoder}"] = test(run, adapted, [*common, *DECODERS[decoder]])
        results[variant] = entry
        print(name, variant, {k: v for k, v in entry.items() if k != "overrides"}, flush=True)
    return results


CLI: list[str] = []


def generalization(
    mode: str,
    workdir: Path,
    neuroproof: str | None,
    budget: str,
    cli: list[str],
    train: Callable,
    test: Callable,
    only: list[str] | None = None,
    cases: tuple[str, ...] = ("cross", "within"),
    reuse: bool = False,
) -> dict:
    """Cases (a) and (b) as the mode asks (or `cases`); figures per variant and decoder (all
    variants in full mode, robust in short mode, or the `only` ones)."""
    CLI[:] = cli
    volume = neuroproof_path(neuroproof, mode)
    full = mode == "full"
    names = only or (list(VARIANTS) if full else ["robust"])
    unknown = sorted(set(names) - set(VARIANTS))
    if unknown:
        raise SystemExit(f"error: unknown variant(s) {unknown}; choose from {list(VARIANTS)}")
    variants = {name: VARIANTS[name] for name in names}
    test_data = [f"data.test_image={volume}", f"data.test_label={volume}"]
    report = {"neuroproof": str(volume), "budget": budget, "machine": machine()}
    if "cross" in cases:
        report["cross_volume"] = run_case(
            "cross",
            workdir,
            variants,
            test_data,
            budget,
            train,
            test,
            volume,
            200 if full else 5,
            reuse,
        )
    # the shipped crop (short mode) is too narrow to split into train/val/test crops
    if not full or "within" not in cases:
        return report
    parts = split_x(
        volume, workdir / "np_split", {"train": (0, 200), "val": (200, 225), "test": (225, 250)}
    )
    within = [
        f"data.train_image={parts['train']}",
        f"data.train_label={parts['train']}",
        f"data.val_image={parts['val']}",
        f"data.val_label={parts['val']}",
        "data.val_split=null",
        "data.pad_mode=reflect",  # the 25-voxel validation slab is narrower than the patch
        f"data.test_image={parts['test']}",
        f"data.test_label={parts['test']}",
    ]
    within_variants = {k: v for k, v in variants.items() if k in WITHIN_VARIANTS}
    report["within_volume"] = run_case(
        "within", workdir, within_variants, within, budget, train, test, None, reuse=reuse
    )
    return report
