"""User journeys through the `connectomics` command only (subprocesses, no Python API):
train a few steps -> predict with the defaults -> decode -> evaluate, trained vs untrained."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cc3d
import h5py
import numpy as np
import pytest
import tifffile

FAST = [
    "data.num_workers=0",
    "data.augmentation.enabled=false",
    "data.val_iterations=1",
    "early_stopping.enabled=false",
    "logging.progress_bar=false",
    "logging.log_images=false",
    "system.accelerator=cpu",
    "system.num_threads=1",
    "training.precision=32",
    "inference.tta_flip=false",
    "checkpoint.save_top_k=0",
]


def connectomics(*args: str) -> str:
    """Run `connectomics ARGS` (as an installed user would) and return its stdout."""
    result = subprocess.run(
        [sys.executable, "-m", "connectomics.cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{args[0]} failed:\n{result.stderr[-3000:]}"
    return result.stdout


def train_pair(folder: Path, config: str, overrides: list[str], steps: int) -> dict[str, Path]:
    """Checkpoints of the same run trained `steps` steps and left untrained (lr 0)."""
    runs = {}
    for name, extra in (
        ("trained", []),
        ("untrained", ["optimizer.lr=1e-12", "scheduler.min_lr=0", "training.max_steps=1"]),
    ):
        save = folder / name
        connectomics(
            "train",
            "--config",
            config,
            *FAST,
            *overrides,
            f"training.max_steps={steps}",
            "training.max_epochs=1000",
            "scheduler.warmup_epochs=0",
            f"logging.save_dir={save}",
            f"checkpoint.dirpath={save}",
            *extra,
        )
        runs[name] = save / "last.ckpt"
    return runs


def predict_and_decode(ckpt: Path, image: object, store: Path, seg: Path, *decode: str) -> None:
    """`predict` with the defaults into `store`, then `decode` it into `seg`."""
    connectomics("predict", "--checkpoint", ckpt, "--input", image, "--output", store)
    connectomics("decode", "--input", store, "--output", seg, *decode)


def evaluate(prediction: Path, label: object) -> dict[str, float]:
    """Scores of `connectomics evaluate`, read back from its --json report."""
    report = Path(f"{prediction}.json")
    connectomics("evaluate", "--prediction", prediction, "--label", label, "--json", report)
    return json.loads(report.read_text())


@pytest.mark.slow
def test_mitochondria_on_tiff_stacks(tmp_path):
    """(a) Lucchi layout: train/test image and label .tif, binary target."""
    from connectomics.data.synthetic import make_mitochondria_volume

    for split, seed in (("train", 0), ("test", 1)):
        image, label = make_mitochondria_volume(shape=(24, 48, 48), seed=seed)
        tifffile.imwrite(tmp_path / f"{split}_im.tif", image)
        tifffile.imwrite(tmp_path / f"{split}_label.tif", (label > 0).astype(np.uint8))
    # instances of the binary test mask (its connected components) score the segmentation
    truth = tifffile.imread(tmp_path / "test_label.tif")
    tifffile.imwrite(tmp_path / "test_instances.tif", cc3d.connected_components(truth))
    runs = train_pair(
        tmp_path,
        "lucchi",
        [
            f"data.train_image={tmp_path / 'train_im.tif'}",
            f"data.train_label={tmp_path / 'train_label.tif'}",
            "data.patch_size=[8,32,32]",
            "data.batch_size=2",
            "model.filters=[8,16]",
            "optimizer.lr=0.01",
        ],
        steps=40,
    )
    result = {}
    for name, ckpt in runs.items():
        store, seg = tmp_path / f"{name}.zarr", tmp_path / f"{name}_seg.tif"
        predict_and_decode(ckpt, tmp_path / "test_im.tif", store, seg)
        result[name] = {
            **evaluate(store, tmp_path / "test_label.tif"),
            **evaluate(seg, tmp_path / "test_instances.tif"),
        }
    assert result["trained"]["dice"] > result["untrained"]["dice"] + 0.15
    assert result["trained"]["adapted_rand"] < result["untrained"]["adapted_rand"]


def _crop_h5(source: Path, dest: Path, box: tuple[slice, ...]) -> None:
    with h5py.File(source) as f, h5py.File(dest, "w") as out:
        out["raw"] = f["raw"][box]
        out["label"] = f["label"][box]


@pytest.mark.slow
def test_neurons_affinities_hdf5_in_zarr_out_waterz(tmp_path, medulla_train, medulla_test):
    """(b) Affinities on the FIB-SEM medulla crops: HDF5 in, Zarr out, affinity_waterz."""
    box = (slice(0, 16), slice(0, 64), slice(0, 64))
    _crop_h5(medulla_train, tmp_path / "train.h5", box)
    _crop_h5(medulla_test, tmp_path / "test.h5", box)
    runs = train_pair(
        tmp_path,
        "snemi",
        [
            f"data.train_image={tmp_path / 'train.h5'}:raw",
            f"data.train_label={tmp_path / 'train.h5'}:label",
            "data.test_image=null",
            "data.patch_size=[8,32,32]",
            "data.batch_size=2",
            "model.filters=[8,16]",
            "model.strides=[[1,2,2]]",
            "optimizer.lr=0.01",
            "inference.chunk_size=null",
        ],
        steps=40,
    )
    result = {}
    for name, ckpt in runs.items():
        store, seg = tmp_path / f"{name}.zarr", tmp_path / f"{name}_seg.zarr"
        test = tmp_path / "test.h5"
        predict_and_decode(ckpt, f"{test}:raw", store, seg, "--decoder", "affinity_waterz")
        result[name] = evaluate(seg, f"{test}:label")
    assert result["trained"]["adapted_rand"] < result["untrained"]["adapted_rand"]
    assert result["trained"]["voi"] < result["untrained"]["voi"]


@pytest.mark.slow
def test_2d_membranes_on_a_z_stack(tmp_path, isbi_membranes):
    """(c) A 2D membrane model trained on sections predicts the whole z-stack."""
    with h5py.File(isbi_membranes) as f:
        for split, zs in (("train", slice(0, 8)), ("test", slice(8, 12))):
            with h5py.File(tmp_path / f"{split}.h5", "w") as out:
                out["raw"] = f["raw"][zs, :128, :128]
                out["label"] = f["label"][zs, :128, :128]
    runs = train_pair(
        tmp_path,
        "lucchi",
        [
            f"data.train_image={tmp_path / 'train.h5'}",
            f"data.train_label={tmp_path / 'train.h5'}",
            "model.architecture=unet",
            "model.spatial_dims=2",
            "model.filters=[8,16]",
            "data.patch_size=[64,64]",
            "data.batch_size=4",
            "optimizer.lr=0.01",
        ],
        steps=40,
    )
    result = {}
    for name, ckpt in runs.items():
        store, seg = tmp_path / f"{name}.zarr", tmp_path / f"{name}_seg.h5"
        predict_and_decode(ckpt, tmp_path / "test.h5", store, seg)
        result[name] = evaluate(store, tmp_path / "test.h5")
        with h5py.File(seg) as f:
            assert f[next(iter(f))].shape == (4, 128, 128)
    assert result["trained"]["dice"] > result["untrained"]["dice"] + 0.1
