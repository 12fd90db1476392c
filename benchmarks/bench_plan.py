"""Does planning pay? `connectomics plan` against the hand-written tutorial in the same CPU time.

Each case trains the planned config and the tutorial side by side, one torch thread each, with
the same wall-clock budget, so both get the same share of the machine whatever else runs on it
(the CPU seconds each used are measured and reported); then `connectomics test` scores both on
the same held-out volume.

- medulla (FIB-SEM, 10 nm isotropic, neuron ids): `neurons_cpu` against a `--task neurons` plan
  of the training crop; adapted Rand error and VOI on the test crop.
- isbi (serial-section TEM, 50 x 4 x 4 nm, membranes): the `lucchi` tutorial (our hand-written
  binary-segmentation config) against a `--task semantic` plan; Dice on the last 64 x-columns.

    uv run python benchmarks/bench_plan.py --minutes 6 --out benchmarks/results/plan.json
Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
from machine import load, machine

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "connectomics.cli.main"]
TEST_SCORES = re.compile(r"(test/[\w/]+)[\s│|]+([-+\d.eE]+)")
ISBI = REPO / "tests" / "em_data" / "isbi2012_membranes.h5"
MEDULLA = "datasets/fibsem_medulla"


def isbi_split(folder: Path) -> tuple[Path, Path]:
    """The ISBI crop split along x: x < 192 trains (and validates), x >= 192 tests."""
    out = []
    with h5py.File(ISBI, "r") as f:
        for name, part in (("train", slice(0, 192)), ("test", slice(192, None))):
            path = folder / f"isbi_{name}.h5"
            with h5py.File(path, "w") as g:
                g.attrs["resolution"] = [50.0, 4.0, 4.0]
                for key in ("raw", "label"):
                    g.create_dataset(key, data=f[key][..., part], compression="gzip")
            out.append(path)
    return out[0], out[1]


def side_by_side(
    run: Path, label: str, configs: dict[str, list[str]], minutes: float
) -> dict[str, dict]:
    """Train every config at once for `minutes` of wall time; CPU seconds and checkpoint each."""
    budget = time.strftime("00:%H:%M:%S", time.gmtime(minutes * 60))
    procs = {}
    for name, args in configs.items():
        save = run / "outputs" / f"{label}_{name}"
        command = [
            *CLI,
            "train",
            *args,
            "system.num_threads=1",
            "data.num_workers=0",
            # the budget caps both; each keeps its own run length and schedule (a plan's
            # cosine decay spans the epochs it planned)
            f"training.max_time={budget}",
            f"logging.save_dir={save}",
            "logging.progress_bar=false",
        ]
        log = (run / f"{label}_{name}_train.log").open("w")
        procs[name] = (subprocess.Popen(command, cwd=run, stdout=log, stderr=log), save, log)
    out = {}
    for name, (proc, save, log) in procs.items():
        _, status, usage = os.wait4(proc.pid, 0)
        log.close()
        if status != 0:
            tail = Path(log.name).read_text().splitlines()[-5:]
            raise SystemExit(f"{label} {name}: training failed:\n" + "\n".join(tail))
        out[name] = {
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            # wherever the config's checkpoint.dirpath puts it under the save folder
            "checkpoint": next(save.rglob("last.ckpt")),
        }
    return out


def score(run: Path, args: list[str], checkpoint: Path, extra: list[str]) -> dict[str, float]:
    """`connectomics test` of `checkpoint`; the logged test scores."""
    command = [*CLI, "test", *args, "--checkpoint", str(checkpoint), *extra]
    result = subprocess.run(command, cwd=run, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"test failed: {' '.join(command)}\n{result.stderr[-2000:]}")
    return {name: float(value) for name, value in TEST_SCORES.findall(result.stdout)}


def plan(run: Path, args: list[str], minutes: float, name: str) -> Path:
    """`connectomics plan` for one thread and the budget; the written YAML."""
    path = run / f"{name}.yaml"
    command = [*CLI, "plan", *args, "--threads", "1", "--time", str(minutes)]
    subprocess.run([*command, "--output", str(path)], cwd=run, check=True, capture_output=True)
    return path


def case(
    run: Path, label: str, configs: dict[str, list[str]], test: list[str], minutes: float
) -> dict:
    """Train the configs side by side, then score each on the same test volume."""
    start, before = time.perf_counter(), load()
    trained = side_by_side(run, label, configs, minutes)
    report = {"wall_s": round(time.perf_counter() - start, 1), "load_before": before}
    for name, entry in trained.items():
        scores = score(run, configs[name], entry["checkpoint"], test)
        report[name] = {"cpu_s": entry["cpu_s"], "scores": scores}
        print(label, name, report[name], flush=True)
    report["load_after"] = load()
    return report


def main() -> None:
    """Both cases; one JSON record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=6.0, help="training budget per case")
    parser.add_argument("--cases", default="medulla,isbi")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    report: dict = {"machine": machine(), "minutes": args.minutes}
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp)
        subprocess.run(
            [*CLI, "download", "fibsem_medulla", "--to", "datasets"], cwd=run, check=True
        )
        if "medulla" in args.cases:
            train = f"{MEDULLA}/train.h5"
            planned = plan(
                run,
                [
                    "--image",
                    train,
                    "--label",
                    train,
                    "--voxel-size",
                    "10,10,10",
                    "--task",
                    "neurons",
                ],
                args.minutes,
                "p1",
            )
            test = f"{MEDULLA}/test.h5"
            report["medulla"] = case(
                run,
                "medulla",
                {"tutorial": ["--config", "neurons_cpu"], "planned": ["--config", str(planned)]},
                [
                    f"data.test_image={test}",
                    f"data.test_label={test}",
                    "evaluation.metrics=[adapted_rand,voi]",
                ],
                args.minutes,
            )
        if "isbi" in args.cases:
            train, test = isbi_split(run)
            planned = plan(
                run,
                ["--image", str(train), "--label", str(train), "--task", "semantic"],
                args.minutes,
                "p2",
            )
            data = [
                f"data.train_image={train}",
                f"data.train_label={train}",
                "data.image_key=raw",
                "data.label_key=label",
                # the tutorial's 32 x 128 x 128 patch is larger than the 12-section crop and its
                # validation part: reflect-padded, validated on the training part
                "data.pad_mode=reflect",
                "data.val_split=null",
                f"data.val_image={train}",
                f"data.val_label={train}",
                "system.num_gpus=0",
                "training.precision=32",
            ]
            report["isbi"] = case(
                run,
                "isbi",
                {"tutorial": ["--config", "lucchi", *data], "planned": ["--config", str(planned)]},
                [f"data.test_image={test}", f"data.test_label={test}", "evaluation.metrics=[dice]"],
                args.minutes,
            )
    text = json.dumps(report, indent=1, default=str)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
