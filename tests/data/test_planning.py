"""The dataset fingerprint and the planner: values, voxel-size dependence, memory budget."""

from __future__ import annotations

import json
import subprocess
import sys

import h5py
import numpy as np
import pytest

from connectomics.config import create_config
from connectomics.config.errors import ConfigError
from connectomics.config.physical import offsets_to_voxels, physical_report
from connectomics.data.errors import DataError
from connectomics.data.planning.fingerprint import fingerprint, parse_voxel_size
from connectomics.data.planning.planner import (
    MEMORY_MARGIN,
    Budget,
    Plan,
    fit_patch_and_batch,
    make_plan,
    plan_strides,
)


def _write(path, raw, label):
    with h5py.File(path, "w") as f:
        f["raw"] = raw
        f["label"] = label
    return str(path)


def test_fingerprint_of_the_medulla_crop(medulla_train):
    fp = fingerprint(str(medulla_train), str(medulla_train), (10.0, 10.0, 10.0))
    with h5py.File(medulla_train) as f:
        raw, label = f["raw"][:], f["label"][:]
    assert fp.shape == raw.shape and fp.dtype == "uint8"
    assert fp.num_objects == len(np.unique(label[label > 0]))
    assert fp.background_fraction == pytest.approx(np.mean(label == 0))
    # per-axis extents in nm are bounding boxes times 10 nm, capped by the crop
    assert 0 < fp.diameter_nm["p50"][2] <= 200 * 10
    assert fp.intensity["p0.5"] < fp.intensity["p50"] < fp.intensity["p99.5"]
    assert fp.intensity["mean"] == pytest.approx(raw.mean(), rel=0.05)


def test_touching_objects_and_binary_masks(tmp_path):
    label = np.zeros((4, 20, 20), np.uint32)
    label[:, 2:8, 2:8] = 1
    label[:, 2:8, 8:14] = 2  # touches 1
    label[:, 14:18, 14:18] = 3  # alone
    path = _write(tmp_path / "t.h5", np.zeros_like(label, np.uint8), label)
    fp = fingerprint(path, path, (10.0, 10.0, 10.0))
    assert fp.num_objects == 3 and fp.touching_fraction == pytest.approx(2 / 3)
    assert fp.diameter_nm["p50"] == [40.0, 60.0, 60.0]
    mask = (label > 0).astype(np.uint8) * 255
    path = _write(tmp_path / "m.h5", np.zeros_like(mask), mask)
    fp = fingerprint(path, path, (10.0, 10.0, 10.0))
    assert fp.label_kind == "binary" and fp.num_objects == 2  # 1 and 2 merge in a mask


def test_voxel_size_is_never_guessed(isbi_membranes):
    with pytest.raises(DataError, match="--voxel-size"):
        fingerprint(str(isbi_membranes))
    with pytest.raises(DataError, match="--voxel-size"):
        parse_voxel_size("50,4")
    assert fingerprint(str(isbi_membranes), voxel_size=(50.0, 4.0, 4.0)).voxel_size_source == (
        "--voxel-size"
    )


def test_strides_follow_the_spacing():
    big = [1000, 1000, 1000]
    # serial sections 50 x 4 x 4: z stays until x-y reach 32 nm (50 <= 2 x 32)
    assert plan_strides((50.0, 4.0, 4.0), 10_000, big)[:4] == [[1, 2, 2]] * 3 + [[2, 2, 2]]
    assert plan_strides((50.0, 16.0, 16.0), 10_000, big)[:2] == [[1, 2, 2], [2, 2, 2]]
    assert plan_strides((10.0, 10.0, 10.0), 10_000, big)[0] == [2, 2, 2]
    # depth stops once the coarsest 3-voxel kernel spans the median object (>= 2 levels)
    assert len(plan_strides((10.0, 10.0, 10.0), 60, big)) == 2
    assert len(plan_strides((10.0, 10.0, 10.0), 200, big)) == 3


def _tiny_budget(**kw):
    return Budget(device="cpu", minutes=0.2, threads=1, **kw)


@pytest.mark.slow
def test_resampled_stack_changes_the_plan(tmp_path, medulla_train):
    """The medulla (10 nm) and every 4th section of it (40 x 10 x 10 nm): z is kept unpooled
    and the affinity offsets, chosen in nm, land on other voxel counts."""
    with h5py.File(medulla_train) as f:
        raw, label = f["raw"][:], f["label"][:]
    iso = _write(tmp_path / "iso.h5", raw, label)
    aniso = _write(tmp_path / "aniso.h5", raw[::4], label[::4])
    plans = {}
    for name, path, size in (
        ("iso", iso, (10.0, 10.0, 10.0)),
        ("aniso", aniso, (40.0, 10.0, 10.0)),
    ):
        fp = fingerprint(path, path, size)
        plans[name] = (make_plan(fp, "neurons", _tiny_budget(), path, path), fp)
    iso_plan, aniso_plan = plans["iso"][0].config, plans["aniso"][0].config
    assert iso_plan["model"]["strides"][0] == [2, 2, 2]
    assert aniso_plan["model"]["strides"][0] == [1, 2, 2]
    assert aniso_plan["data"]["augmentation"]["rotate90"]["in_plane_only"] is True
    assert "missing_section" in aniso_plan["data"]["augmentation"]
    assert "missing_section" not in iso_plan["data"]["augmentation"]
    voxels = {}
    for name, (plan, fp) in plans.items():
        cfg = create_config(plan.config)
        voxels[name] = cfg.data.targets[0].kwargs["offsets"]
        nm = plan.config["data"]["targets"][0]["kwargs"]["offsets_nm"]
        assert voxels[name] == offsets_to_voxels(nm, fp.voxel_size)
    assert voxels["iso"][0] == [1, 0, 0] and voxels["aniso"][0] == [1, 0, 0]
    assert voxels["iso"][3][0] >= 2  # long-range z: several 10 nm voxels
    assert voxels["aniso"][3] == [2, 0, 0]  # two 40 nm sections


def test_semantic_plan_of_serial_sections(isbi_membranes):
    fp = fingerprint(str(isbi_membranes), str(isbi_membranes), (50.0, 4.0, 4.0))
    plan = make_plan(fp, "semantic", _tiny_budget(), str(isbi_membranes), str(isbi_membranes))
    strides = plan.config["model"]["strides"]
    assert strides[0] == [1, 2, 2]
    patch = plan.config["data"]["patch_size"]
    multiple = [int(np.prod([s[a] for s in strides])) for a in range(3)]
    assert all(p % m == 0 for p, m in zip(patch, multiple))
    assert patch[0] <= 12
    with pytest.raises(DataError, match="instance ids"):
        make_plan(fp, "neurons", _tiny_budget(), str(isbi_membranes), str(isbi_membranes))


_MEASURE = """
import json, resource, sys, torch
from connectomics.config import create_config
from connectomics.models import build_model
torch.set_num_threads(1)
spec = json.loads(sys.argv[1])
model = build_model(create_config({"model": spec["model"]}))
opt = torch.optim.AdamW(model.parameters())
x = torch.randn(spec["batch"], 1, *spec["patch"])
for _ in range(2):
    opt.zero_grad()
    out = model(x)
    torch.nn.functional.binary_cross_entropy_with_logits(out, torch.rand_like(out)).backward()
    opt.step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


@pytest.mark.slow  # measures real trial steps in fresh processes: minutes on 2 cores
def test_patch_and_batch_stay_within_a_small_memory_budget():
    """A budget between two measured steps makes the plan take the smaller one, and a fresh
    process running the chosen step peaks within the budget."""
    model = {"architecture": "unet_res_em", "filters": [4, 8], "out_channels": 1}
    plan = Plan(config={"data": {"targets": [{"name": "binary"}], "voxel_size": [10, 10, 10]}})
    small, large = [8, 16, 16], [24, 96, 96]
    roomy = Budget(device="cpu", memory_bytes=64 * 2**30, threads=1)
    fit_patch_and_batch(plan, model, [small, large], roomy)
    peaks = {tuple(p): t.peak_bytes for p, b, t in plan.trials if b == 2}
    assert peaks[tuple(large)] > peaks[tuple(small)]
    budget = int((peaks[tuple(small)] + peaks[tuple(large)]) / 2 / MEMORY_MARGIN)
    tight = Plan(config=plan.config)
    patch, batch, trial, _ = fit_patch_and_batch(
        tight, model, [small, large], Budget(device="cpu", memory_bytes=budget, threads=1)
    )
    assert patch == small and trial.peak_bytes <= budget
    spec = json.dumps({"model": model, "patch": patch, "batch": batch})
    fresh = subprocess.run(
        [sys.executable, "-c", _MEASURE, spec], capture_output=True, text=True, check=True
    )
    assert int(fresh.stdout.split()[-1]) <= budget
    with pytest.raises(DataError, match="--memory"):
        fit_patch_and_batch(
            Plan(config=plan.config), model, [small], Budget(memory_bytes=2**20, threads=1)
        )


def test_sizes_in_nm_convert_with_the_voxel_size():
    targets = [
        {"name": "affinity", "kwargs": {"offsets_nm": [[40, 0, 0], [0, 8, 0], [0, 0, 32]]}},
        {"name": "boundary", "kwargs": {"thickness_nm": 8}},
    ]
    cfg = create_config(
        {"model": {"out_channels": 4}, "data": {"voxel_size": [40, 4, 4], "targets": targets}}
    )
    assert cfg.data.targets[0].kwargs["offsets"] == [[1, 0, 0], [0, 2, 0], [0, 0, 8]]
    assert cfg.data.targets[1].kwargs["thickness"] == 2
    report = "\n".join(physical_report(cfg.data))
    assert "[0, 0, 8] vox = [0, 0, 32] nm" in report and "2 vox = 8 nm" in report
    # the nm form wins: the same config at 8 nm in-plane gives other voxel offsets
    moved = create_config(
        {"model": {"out_channels": 4}, "data": {"voxel_size": [40, 8, 8], "targets": targets}}
    )
    assert moved.data.targets[0].kwargs["offsets"] == [[1, 0, 0], [0, 1, 0], [0, 0, 4]]
    with pytest.raises(ConfigError, match="data.voxel_size"):
        create_config({"model": {"out_channels": 4}, "data": {"targets": targets}})
