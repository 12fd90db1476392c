"""Issue 26: every command, fed generated bad options, config values and malformed inputs, ends
in exactly one `error:` line and exit 2, and changes no file it did not create.

The README suite runs the `readme` hypothesis profile (a few examples per command); `nox -s slow`
sets CONNECTOMICS_FUZZ_PROFILE=long for many more. No example may start a training: `fit` of
Lightning's Trainer is replaced by one that fails the test.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
import zarr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.lightning.conftest import LUCCHI, tiny_overrides, write_tiny_volumes

_COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
# the README suite draws the same few examples every run (a CI run never meets a new draw);
# and the long profile of `nox -s slow` draws more of them, as reproducibly
settings.register_profile("fuzz-readme", max_examples=2, derandomize=True, **_COMMON)
settings.register_profile("fuzz-long", max_examples=60, derandomize=True, **_COMMON)
PROFILE = "fuzz-long" if os.environ.get("CONNECTOMICS_FUZZ_PROFILE") == "long" else "fuzz-readme"
fuzz = settings.get_profile(PROFILE)

# Values no option or key below accepts (each key's valid range excludes all of them).
BAD_NUMBERS = ["abc", "", "-1", "nan", "inf", "-inf", "1e400", "[1, 2]", "{a: 1}", "9" * 40]
BAD_SIZES = ["abc", "[]", "[0, 0, 0]", "[-8, 16, 16]", "[nan, 16, 16]", "[8, 16]", "{a: 1}"]
BAD_FRACTIONS = ["abc", "", "-0.5", "1.5", "nan", "inf", "[0.5]"]
BAD_PATH_KINDS = ["missing", "folder", "empty", "garbage", "dangling", "loop"]
PATHLESS = ["missing", "folder", "dangling", "loop"]
BAD_VOLUME_KINDS = [
    *BAD_PATH_KINDS,
    "truncated_h5",
    "garbage_tif",
    "bad_npy_header",
    "zarr_bad_json",
    "zarr_wrong_types",
    "zarr_zero_axis",
    "h5_zero_axis",
    "zarr_huge",
]


def _make_world(root: Path) -> dict[str, Path]:
    """Good inputs and every kind of bad path or volume, under `root`."""
    good = write_tiny_volumes(root / "data")
    paths = {k: Path(v) for k, v in good.items()}
    rng = np.random.default_rng(0)
    np.save(root / "pred.npy", rng.random((1, 8, 16, 16)).astype(np.float32))
    paths["pred"] = root / "pred.npy"
    (root / "folder").mkdir()
    (root / "folder" / "notes.txt").write_text("a folder that is no store")
    paths["folder"] = root / "folder"
    paths["missing"] = root / "no_such_file.h5"
    (root / "empty.h5").write_bytes(b"")
    paths["empty"] = root / "empty.h5"
    (root / "garbage.h5").write_bytes(bytes(rng.integers(0, 256, 300, dtype=np.uint8)))
    paths["garbage"] = root / "garbage.h5"
    os.symlink(root / "gone.h5", root / "dangling.h5")
    paths["dangling"] = root / "dangling.h5"
    os.symlink(root / "loop_b.h5", root / "loop_a.h5")
    os.symlink(root / "loop_a.h5", root / "loop_b.h5")
    paths["loop"] = root / "loop_a.h5"
    whole = Path(good["test_image"]).read_bytes()
    (root / "truncated.h5").write_bytes(whole[: len(whole) // 2])
    paths["truncated_h5"] = root / "truncated.h5"
    (root / "garbage.tif").write_bytes(b"II*\x00" + bytes(200))
    paths["garbage_tif"] = root / "garbage.tif"
    (root / "bad.npy").write_bytes(b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'")
    paths["bad_npy_header"] = root / "bad.npy"
    for name, edit in (
        ("zarr_bad_json", lambda meta: "{not json"),
        ("zarr_wrong_types", lambda meta: json.dumps({**meta, "shape": "abc"})),
    ):
        store = root / f"{name}.zarr"
        zarr.open_array(str(store), mode="w", shape=(8, 16, 16), dtype="uint8")
        meta = json.loads((store / "zarr.json").read_text())
        (store / "zarr.json").write_text(edit(meta))
        paths[name] = store
    zarr.open_array(str(root / "zero.zarr"), mode="w", shape=(0, 16, 16), dtype="float32")
    paths["zarr_zero_axis"] = root / "zero.zarr"
    with h5py.File(root / "zero.h5", "w") as handle:
        handle.create_dataset("raw", shape=(0, 16, 16), maxshape=(None, 16, 16), dtype="f4")
    paths["h5_zero_axis"] = root / "zero.h5"
    zarr.open_array(
        str(root / "huge.zarr"), mode="w", shape=(10**6,) * 3, chunks=(64,) * 3, dtype="f4"
    )
    paths["zarr_huge"] = root / "huge.zarr"
    (root / "existing.txt").write_text("keep me")
    paths["existing"] = root / "existing.txt"
    return paths


def _snapshot(root: Path) -> dict[str, str]:
    """Every entry under `root` (not following links) with a digest of what it holds."""
    seen = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            seen[str(path)] = "link:" + os.readlink(path)
        elif path.is_file():
            seen[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            seen[str(path)] = "dir"
    return seen


@pytest.fixture(scope="module")
def world(tmp_path_factory, tiny_checkpoint) -> dict[str, Path]:
    """The module's inputs (never to be changed by a command) and the checkpoint."""
    root = tmp_path_factory.mktemp("fuzz_world")
    paths = _make_world(root)
    shutil.copy(tiny_checkpoint, root / "tiny.ckpt")
    paths["ckpt"] = root / "tiny.ckpt"
    paths["root"] = root
    return paths


@pytest.fixture
def run_cli(world, capsys, monkeypatch, tmp_path):
    """Run one generated command line; assert the one-line refusal and an unchanged world."""
    import pytorch_lightning as pl

    from connectomics.cli.main import main

    def no_training(*args, **kwargs):
        raise AssertionError("a fuzz example reached Trainer.fit: the bad value was accepted")

    monkeypatch.setattr(pl.Trainer, "fit", no_training)
    monkeypatch.chdir(tmp_path)

    def run(argv: list[str]) -> str:
        root = world["root"]
        before = _snapshot(root)
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exit_:  # argparse refusals
            code = exit_.code
        err = capsys.readouterr().err
        after = _snapshot(root)
        for created in set(after) - set(before):  # the command's own output: cleaned away
            path = Path(created)
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        changed = {p for p in before if after.get(p) != before[p]}
        assert not changed, f"{argv} changed files it did not create: {sorted(changed)}"
        lines = [line for line in err.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error:")]
        assert code == 2 and len(errors) == 1, f"{argv}: exit {code}, stderr:\n{err}"
        assert "Traceback" not in err, err
        return errors[0]

    return run


def _path(world: dict[str, Path], kind: str) -> Path:
    return world[kind]


def _overrides(world: dict[str, Path], out: Path) -> list[str]:
    data = {k: str(world[k]) for k in ("train_image", "train_label", "test_image", "test_label")}
    return tiny_overrides(data, out / "run")


# (key, bad values) of the config keys the commands that take a config read
CONFIG_KEYS = [
    ("data.batch_size", BAD_NUMBERS + ["0", "1.5"]),
    ("data.patch_size", BAD_SIZES),
    ("inference.window_size", BAD_SIZES),
    # a batch larger than the windows is one batch: huge is valid here
    ("inference.batch_size", BAD_NUMBERS[:-1] + ["0"]),
    ("inference.overlap", BAD_FRACTIONS),
    ("optimizer.lr", BAD_NUMBERS[:8] + ["0"]),
    # -1 is Lightning's "no epoch limit": valid
    ("training.max_epochs", ["abc", "", "-2", "nan", "1e400", "[1]"]),
    ("model.filters", ["abc", "", "[]", "[-4, 8]", "[0, 8]", "[nan]"]),
    ("data.train_image", BAD_VOLUME_KINDS),
]


@st.composite
def bad_override(draw, world) -> str:
    """`key=value` with a bad value for one config key (paths drawn from the world)."""
    key, values = draw(st.sampled_from(CONFIG_KEYS))
    value = draw(st.sampled_from(values))
    if key == "data.train_image":
        value = str(_path(world, value))
    return f"{key}={value}"


@given(data=st.data())
@fuzz
def test_fuzz_train(run_cli, world, tmp_path, data):
    base = ["train", "--config", LUCCHI, *_overrides(world, tmp_path)]
    slot = data.draw(st.sampled_from(["override", "config", "resume", "init-from"]))
    if slot == "override":
        run_cli([*base, data.draw(bad_override(world))])
    else:
        # a file that exists but holds no checkpoint is read at the start of the fit
        kinds = BAD_PATH_KINDS + ["truncated_h5", "pred"] if slot != "init-from" else PATHLESS
        if slot == "config":  # an empty config file is a valid config: the defaults
            kinds = [kind for kind in kinds if kind != "empty"]
        extra = [f"--{slot}", _path(world, data.draw(st.sampled_from(kinds)))]
        run_cli([*base, *extra] if slot != "config" else ["train", *extra])


@given(data=st.data())
@fuzz
def test_fuzz_test(run_cli, world, tmp_path, data):
    base = ["test", "--config", LUCCHI, *_overrides(world, tmp_path)]
    slot = data.draw(st.sampled_from(["checkpoint", "override", "test_image"]))
    if slot == "checkpoint":
        kind = data.draw(st.sampled_from(BAD_PATH_KINDS + ["truncated_h5", "pred"]))
        run_cli([*base, "--checkpoint", _path(world, kind)])
    elif slot == "override":
        key, values = data.draw(st.sampled_from(CONFIG_KEYS[2:5]))
        run_cli(
            [*base, "--checkpoint", world["ckpt"], f"{key}={data.draw(st.sampled_from(values))}"]
        )
    else:
        kind = data.draw(st.sampled_from(BAD_VOLUME_KINDS))
        run_cli([*base, "--checkpoint", world["ckpt"], f"data.test_image={_path(world, kind)}"])


@given(data=st.data())
@fuzz
def test_fuzz_predict(run_cli, world, tmp_path, data):
    out = tmp_path / "pred.zarr"
    slot = data.draw(st.sampled_from(["input", "checkpoint", "override", "output"]))
    ckpt, image = world["ckpt"], world["test_image"]
    if slot == "input":
        image = _path(world, data.draw(st.sampled_from(BAD_VOLUME_KINDS)))
    elif slot == "checkpoint":
        ckpt = _path(world, data.draw(st.sampled_from(BAD_PATH_KINDS + ["truncated_h5"])))
    elif slot == "output":
        out = _path(world, data.draw(st.sampled_from(["existing", "folder", "test_image"])))
    extra = []
    if slot == "override":
        key, values = data.draw(st.sampled_from(CONFIG_KEYS[2:5]))
        extra = [f"{key}={data.draw(st.sampled_from(values))}"]
    run_cli(["predict", "--checkpoint", ckpt, "--input", image, "--output", out, *extra])


@given(data=st.data())
@fuzz
def test_fuzz_decode(run_cli, world, tmp_path, data):
    out = tmp_path / "seg.npy"
    pred = world["pred"]
    slot = data.draw(
        st.sampled_from(["input", "output", "kwargs", "decoder", "block-size", "scheduler"])
    )
    extra: list[str] = ["--decoder", "binary_cc"]
    if slot == "input":
        pred = _path(world, data.draw(st.sampled_from(BAD_VOLUME_KINDS)))
    elif slot == "output":
        out = _path(world, data.draw(st.sampled_from(["existing", "folder", "pred"])))
    elif slot == "kwargs":
        key = data.draw(st.sampled_from(["threshold", "min_size"]))
        bad = ["abc", "", "nan", "-1", "[1]"] + (["1.5"] if key == "threshold" else ["1e400"])
        extra += [f"decoding.kwargs.{key}={data.draw(st.sampled_from(bad))}"]
    elif slot == "decoder":
        extra = ["--decoder", data.draw(st.sampled_from(["", "nonsense", "-1"]))]
    elif slot == "block-size":
        extra += ["--block-size", data.draw(st.sampled_from(["abc", "0", "-4", "nan", "1,2"]))]
    else:
        extra += ["--blockwise", "--scheduler", data.draw(st.sampled_from(["abc", "", "0"]))]
    run_cli(["decode", "--input", pred, "--output", out, *extra])


@given(data=st.data())
@fuzz
def test_fuzz_evaluate(run_cli, world, tmp_path, data):
    pred, label = world["test_label"], world["test_label"]
    slot = data.draw(st.sampled_from(["prediction", "label", "threshold", "metrics", "json"]))
    extra: list[str] = []
    if slot == "prediction":
        pred = _path(world, data.draw(st.sampled_from(BAD_VOLUME_KINDS)))
    elif slot == "label":
        label = _path(world, data.draw(st.sampled_from(BAD_VOLUME_KINDS)))
    elif slot == "threshold":
        extra = ["--threshold", data.draw(st.sampled_from(BAD_FRACTIONS + ["0", "1"]))]
    elif slot == "metrics":
        extra = ["--metrics", data.draw(st.sampled_from(["nonsense", "", "-1"]))]
    else:
        extra = ["--json", _path(world, data.draw(st.sampled_from(["existing", "folder"])))]
    run_cli(["evaluate", "--prediction", pred, "--label", label, *extra])


@given(data=st.data())
@fuzz
def test_fuzz_export(run_cli, world, tmp_path, data):
    ckpt, fmt, out = world["ckpt"], "torchscript", tmp_path / "model.pt"
    slot = data.draw(st.sampled_from(["checkpoint", "format", "output"]))
    if slot == "checkpoint":
        ckpt = _path(world, data.draw(st.sampled_from(BAD_PATH_KINDS + ["truncated_h5"])))
    elif slot == "format":
        fmt = data.draw(st.sampled_from(["", "nonsense", "-1"]))
    else:
        out = _path(world, data.draw(st.sampled_from(["existing", "ckpt"])))
    run_cli(["export", "--checkpoint", ckpt, "--format", fmt, "--output", out])


@given(name=st.sampled_from(["nonsense", "-1", "../etc", "lucchi/../x"]))
@fuzz
def test_fuzz_download(run_cli, tmp_path, name):
    run_cli(["download", name, "--to", tmp_path / "data"])


@given(data=st.data())
@fuzz
def test_fuzz_config(run_cli, world, data):
    slot = data.draw(st.sampled_from(["config", "override", "action"]))
    action, config, extra = "validate", str(LUCCHI), []
    if slot == "config":
        # an empty file is an empty YAML mapping: the defaults, a valid config
        kinds = ["missing", "folder", "garbage", "dangling", "loop", "pred"]
        config = str(_path(world, data.draw(st.sampled_from(kinds))))
    elif slot == "override":
        key, values = data.draw(st.sampled_from(CONFIG_KEYS[:-1]))
        extra = [f"{key}={data.draw(st.sampled_from(values))}"]
    else:
        action = data.draw(st.sampled_from(["", "nonsense", "-1"]))
    run_cli(["config", action, "--config", config, *extra])


@given(data=st.data())
@fuzz
def test_fuzz_demo(run_cli, world, tmp_path, data):
    slot = data.draw(st.sampled_from(["max-epochs", "out", "override"]))
    # a fresh folder per example: a shrunk replay must not meet the last example's output
    extra: list[str] = ["--out", tmp_path / f"demo-{os.urandom(4).hex()}"]
    if slot == "max-epochs":
        extra += ["--max-epochs", data.draw(st.sampled_from(["abc", "", "-1", "0", "nan"]))]
    elif slot == "out":
        extra = ["--out", _path(world, data.draw(st.sampled_from(["existing", "ckpt"])))]
    else:
        key, values = data.draw(st.sampled_from(CONFIG_KEYS[:7]))
        extra += [f"{key}={data.draw(st.sampled_from(values))}"]
    run_cli(["demo", *extra])


@given(data=st.data())
@fuzz
def test_fuzz_plan(run_cli, world, tmp_path, data):
    image, out = world["train_image"], tmp_path / "plan.yaml"
    slot = data.draw(st.sampled_from(["image", "memory", "time", "threads", "task", "output"]))
    extra: list[str] = []
    if slot == "image":
        image = _path(world, data.draw(st.sampled_from(BAD_VOLUME_KINDS)))
    elif slot in ("memory", "time"):
        extra = [f"--{slot}", data.draw(st.sampled_from(["abc", "", "-1", "0", "nan", "-inf"]))]
    elif slot == "threads":
        extra = ["--threads", data.draw(st.sampled_from(["abc", "", "-1", "0", "1.5"]))]
    elif slot == "output":
        out = _path(world, data.draw(st.sampled_from(["existing", "folder"])))
    task = data.draw(st.sampled_from(["", "nonsense"])) if slot == "task" else "mitochondria"
    label = ["--label", world["train_label"]]
    run_cli(["plan", "--image", image, *label, "--task", task, "--output", out, *extra])


@given(data=st.data())
@fuzz
def test_fuzz_adapt(run_cli, world, tmp_path, data):
    ckpt, image = world["ckpt"], world["test_image"]
    slot = data.draw(st.sampled_from(["checkpoint", "input", "steps", "lr", "teacher-decay"]))
    extra: list[str] = ["--output", tmp_path / "adapted.ckpt"]
    if slot == "checkpoint":
        ckpt = _path(world, data.draw(st.sampled_from(BAD_PATH_KINDS + ["truncated_h5"])))
    elif slot == "input":
        image = _path(world, data.draw(st.sampled_from(BAD_VOLUME_KINDS)))
    elif slot == "steps":
        extra += ["--steps", data.draw(st.sampled_from(["abc", "", "-1", "0", "1.5"]))]
    elif slot == "lr":
        extra += ["--lr", data.draw(st.sampled_from(["abc", "-1", "0", "nan", "inf"]))]
    else:
        extra += ["--teacher-decay", data.draw(st.sampled_from(["abc", "-0.1", "1.5", "nan"]))]
    run_cli(["adapt", "--checkpoint", ckpt, "--input", image, *extra])
