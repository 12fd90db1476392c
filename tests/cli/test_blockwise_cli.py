"""`connectomics decode --blockwise` and blockwise `evaluate` give the in-memory results."""

from __future__ import annotations

import json

import numpy as np
import pytest

from connectomics.cli.main import main
from connectomics.data.io import read_volume, write_volume
from tests.data.blockwise_helpers import same_partition


@pytest.fixture
def affinities(tmp_path):
    prediction = np.random.default_rng(0).random((3, 10, 20, 20)).astype(np.float32)
    write_volume(tmp_path / "pred.zarr", prediction)
    return tmp_path / "pred.zarr"


def decode(tmp_path, affinities, output, *flags):
    argv = ["decode", "--input", str(affinities), "--output", str(tmp_path / output)]
    argv += ["--decoder", "affinity_cc", *flags, "decoding.kwargs.threshold=0.7"]
    assert main(argv) == 0


def test_blockwise_decode_equals_in_memory_and_resumes(tmp_path, affinities, capsys):
    decode(tmp_path, affinities, "whole.h5")
    decode(tmp_path, affinities, "blocks.zarr", "--block-size", "4,7,9")
    assert "blocks" in capsys.readouterr().out
    whole = read_volume(tmp_path / "whole.h5")
    assert whole.max() > 20
    assert same_partition(read_volume(f"{tmp_path}/blocks.zarr:segmentation"), whole)
    decode(tmp_path, affinities, "blocks.zarr", "--block-size", "4,7,9")
    assert "(27 blocks, 27 already done)" in capsys.readouterr().out
    # a config key chooses blockwise too; other settings of the same store need --overwrite
    assert (
        main(
            [
                "decode",
                "--input",
                str(affinities),
                "--output",
                f"{tmp_path}/blocks.zarr",
                "--decoder",
                "affinity_cc",
                "decoding.block_size=[5,5,5]",
            ]
        )
        == 2
    )
    assert "another blockwise run" in capsys.readouterr().err


def test_blockwise_output_must_be_zarr(tmp_path, affinities, capsys):
    argv = [
        "decode",
        "--input",
        str(affinities),
        "--output",
        str(tmp_path / "s.h5"),
        "--decoder",
        "affinity_cc",
        "--blockwise",
    ]
    assert main(argv) == 2
    assert "must be a Zarr store" in capsys.readouterr().err


def test_evaluate_blockwise_equals_in_memory(tmp_path):
    rng = np.random.default_rng(1)
    seg = rng.integers(0, 30, (9, 20, 20)).astype(np.uint32)
    gt = rng.integers(0, 20, (9, 20, 20)).astype(np.uint32)
    write_volume(tmp_path / "seg.zarr", seg)
    write_volume(tmp_path / "gt.zarr", gt)
    np.save(tmp_path / "seg.npy", seg)
    np.save(tmp_path / "gt.npy", gt)
    scores = {}
    for name, suffix, flags in [
        ("memory", "npy", []),
        ("chunked", "zarr", []),
        ("blocks", "npy", ["--block-size", "4,6,7"]),
    ]:
        argv = [
            "evaluate",
            "--prediction",
            str(tmp_path / f"seg.{suffix}"),
            "--label",
            str(tmp_path / f"gt.{suffix}"),
            "--metrics",
            "adapted_rand",
            "voi",
            "cremi",
            "--json",
            str(tmp_path / f"{name}.json"),
            *flags,
        ]
        assert main(argv) == 0
        scores[name] = json.loads((tmp_path / f"{name}.json").read_text())
    assert scores["memory"]["adapted_rand"] > 0.5
    for name in ("chunked", "blocks"):
        for key, value in scores["memory"].items():
            assert scores[name][key] == pytest.approx(value, abs=1e-9, rel=0)


def test_a_prediction_above_the_memory_budget_goes_blockwise(tmp_path, affinities, capsys):
    argv = ["decode", "--input", str(affinities), "--output", str(tmp_path / "s.zarr")]
    assert main([*argv, "--decoder", "affinity_cc", "decoding.memory_budget=1e-5"]) == 0
    assert "(1 blocks, 0 already done)" in capsys.readouterr().out
    assert main([*argv, "--decoder", "binary_cc", "decoding.memory_budget=1e-9"]) == 2
    assert main(["decode", *argv[1:4], str(tmp_path / "m.zarr"), "--decoder", "binary_cc"]) == 0
    assert "blocks" not in capsys.readouterr().out


def test_evaluate_scores_run_lengths_blockwise(tmp_path):
    """erl and merge_split through `evaluate --block-size` (skeletons thinned per block)."""
    gt = np.zeros((9, 20, 40), np.uint32)
    gt[3:6, 2:5, 5:35], gt[3:6, 9:12, 5:25], gt[3:6, 15:18, 5:15] = 1, 2, 3  # three rods
    seg = gt.copy()
    seg[(gt == 1) & (np.arange(40) >= 20)] = 9  # rod 1 cut at x = 20
    seg[seg == 3] = 2  # rods 2 and 3 merged
    np.save(tmp_path / "seg.npy", seg)
    np.save(tmp_path / "gt.npy", gt)
    scores = {}
    for name, flags in [("memory", []), ("blocks", ["--block-size", "9,10,16"])]:
        out = tmp_path / f"{name}.json"
        argv = ["evaluate", "--prediction", str(tmp_path / "seg.npy"), "--label"]
        argv += [str(tmp_path / "gt.npy"), "--metrics", "erl", "merge_split", "--json", str(out)]
        assert main([*argv, *flags]) == 0
        scores[name] = json.loads(out.read_text())
    memory, blocks = scores["memory"], scores["blocks"]
    # only rod 1's two halves (about 14.5 steps each) run; the perfect erl has all three rods
    expected = 2 * 14.5**2 / (29**2 + 19**2 + 9**2)
    assert memory["erl_normalized"] == pytest.approx(expected, abs=0.05)
    assert memory["skeleton_merges"] == 1 and memory["skeleton_splits"] >= 1
    for key in ("erl", "erl_max", "skeleton_merges"):
        assert blocks[key] == pytest.approx(memory[key], rel=0.05), key
