"""The registries fill themselves: names are checked at load in a fresh interpreter, whatever
was imported, and a third-party plugin (tests/plugins/connectomics-example-plugin, installed by
`uv sync`) registers through entry points."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from connectomics.config.errors import ConfigError
from connectomics.config.registry import Registry


def fresh(code: str) -> subprocess.CompletedProcess:
    """Run `code` in a new interpreter that imports nothing of connectomics beforehand."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300
    )


BAD_NAMES = [
    ("decoding.name=binary_ccc", "decoding.name: unknown decoder", "binary_cc"),
    ("evaluation.metrics=[dise]", "evaluation.metrics[0]: unknown metric", "dice"),
    ("model.architecture=unet_res_emm", "model.architecture: unknown model", "unet_res_em"),
    (
        "model.loss_functions=[DiceLos,BCEWithLogitsLoss]",
        "model.loss_functions[0]: unknown loss",
        "DiceLoss",
    ),
    ("data.split_axis=7", "data.split_axis: 7 is not a spatial axis", "one of 0 (z)"),
    ("data.targets=[{name: binar}]", "data.targets[0].name: unknown target", "binary"),
    ("decoding.kwargs.seed_treshold=0.5", "decoding.kwargs.seed_treshold", "seed_threshold"),
]


@pytest.mark.slow  # a fresh process or a long run: kept out of the README suite's 5 minutes
def test_load_config_refuses_a_mistyped_name_in_a_fresh_interpreter():
    # one interpreter for all cases (start-up dominates); nothing is imported before the first
    result = fresh(
        f"""
        import sys
        from connectomics.config import load_config
        from connectomics.config.errors import ConfigError
        print(any(m.startswith(("connectomics.data", "connectomics.models")) for m in sys.modules))
        for override in {[o for o, _, _ in BAD_NAMES]!r}:
            try:
                load_config("demo", [override])
            except ConfigError as exc:
                print(exc)
            else:
                print("loaded")
        """
    )
    assert result.returncode == 0, result.stderr
    imported, *messages = result.stdout.strip().splitlines()
    assert imported == "False" and len(messages) == len(BAD_NAMES)
    for message, (_, problem, guess) in zip(messages, BAD_NAMES):
        assert problem in message and f"did you mean {guess}" in message, message


@pytest.mark.slow  # a fresh process or a long run: kept out of the README suite's 5 minutes
def test_a_typed_decoder_parameter_is_refused_at_load_with_one_line():
    result = fresh(
        """
        from connectomics.config import load_config
        from connectomics.config.errors import ConfigError
        try:
            load_config("demo", ["decoding.kwargs.seed_threshold=abc"])
        except ConfigError as exc:
            print(exc)
        """
    )
    lines = result.stdout.strip().splitlines()
    assert (
        len(lines) == 1
        and "decoding.kwargs.seed_threshold: Input should be a valid number" in (lines[0])
    )


@pytest.mark.slow  # a fresh process or a long run: kept out of the README suite's 5 minutes
def test_plugins_register_through_entry_points_without_being_imported():
    result = fresh(
        """
        import sys
        from connectomics.config import create_config
        cfg = create_config({
            "model": {"architecture": "example_pointwise"},
            "decoding": {"name": "example_threshold", "kwargs": {"level": 0.25}},
        })
        from connectomics.models import build_model
        from connectomics.data.decoding import build_decoder
        import numpy as np
        print(type(build_model(cfg)).__name__)
        print(build_decoder(cfg)(np.array([[[[0.2, 0.3]]]])).tolist())
        try:
            create_config({"decoding": {"name": "example_threshold", "kwargs": {"levl": 0.2}}})
        except Exception as exc:
            print(exc)
        """
    )
    assert result.returncode == 0, result.stderr
    model, labels, error = result.stdout.strip().splitlines()
    assert model == "SegmentationNet" and labels == [[[0, 1]]].__repr__()
    assert "decoding.kwargs.levl" in error and "did you mean level?" in error


def test_info_lists_every_registry_with_the_plugin():
    from connectomics.config.registries import ALL
    from connectomics.config.registry import listing

    names = listing(ALL)
    assert list(names) == ["models", "losses", "targets", "augmentations", "decoders", "metrics"]
    assert "example_pointwise" in names["models"] and "example_threshold" in names["decoders"]
    assert {"dice", "adapted_rand"} <= set(names["metrics"]) and "affinity" in names["targets"]


def test_a_registry_imports_its_builtins_once_and_names_what_is_missing():
    registry: Registry[int] = Registry("widget", "widgets.name", ("json",), "no.such.group")
    registry.register("round", 1)
    assert registry.names() == ["round"] and registry.available
    with pytest.raises(ConfigError, match=r"^widgets.name: unknown widget 'rond'; did you mean"):
        registry.lookup("rond")
    absent: Registry[int] = Registry("widget", "w", ("connectomics_no_such_layer.x",), "g")
    assert not absent.available and absent.missing == ["connectomics_no_such_layer.x"]


def test_a_broken_plugin_is_one_clear_error(monkeypatch):
    from importlib.metadata import EntryPoint

    from connectomics.config import registry as registry_module

    broken = EntryPoint("broken", "connectomics_no_such_plugin.models", "connectomics.models")
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [broken])
    models: Registry[int] = Registry("model", "model.architecture", (), "connectomics.models")
    with pytest.raises(
        ConfigError, match=r"plugin 'broken' \(connectomics_no_such_plugin.models\)"
    ):
        models.names()


def test_plugin_metrics_are_validated_and_computed_in_memory_blockwise_and_by_the_cli(
    tmp_path,
):
    """The plugin's semantic and instance metrics score through evaluate, the blockwise
    contingency table and `connectomics evaluate`, like the built-ins."""
    import json

    import h5py
    import numpy as np

    from connectomics.cli.main import main
    from connectomics.config import create_config
    from connectomics.data.blockwise import evaluate_blockwise
    from connectomics.data.evaluation import evaluate

    with pytest.raises(ConfigError, match="did you mean example_segments"):
        create_config({"evaluation": {"metrics": ["example_segmnts"]}})
    cfg = create_config(
        {"evaluation": {"metrics": ["dice", "example_predicted_fraction"], "threshold": 0.7}}
    )
    prob = np.array([[[0.2, 0.6, 0.8, 0.9]]], np.float32)
    gt = np.array([[[0, 1, 1, 1]]])
    scores = evaluate(prob, gt, cfg)
    assert scores["example_predicted_fraction"] == 0.5  # 2 of 4 voxels above 0.7
    assert scores["dice"] == 0.8
    gt = np.zeros((4, 8, 8), np.uint32)
    gt[:, :4], gt[:, 4:] = 1, 2
    seg = gt.copy()
    seg[:, :2] = 3  # ground-truth object 1 split in two: three segments
    in_memory = evaluate(seg, gt, metrics=["adapted_rand", "example_segments"])
    assert in_memory["example_segments"] == 3.0 and in_memory["adapted_rand"] > 0
    assert evaluate_blockwise(seg, gt, ["example_segments"], 2)["example_segments"] == 3.0
    with h5py.File(tmp_path / "volumes.h5", "w") as f:
        f["seg"], f["label"] = seg, gt
    report = tmp_path / "scores.json"
    volumes = tmp_path / "volumes.h5"
    argv = ["evaluate", "--prediction", f"{volumes}:seg", "--label", f"{volumes}:label"]
    assert main([*argv, "--metrics", "example_segments", "--json", str(report)]) == 0
    assert json.loads(report.read_text())["example_segments"] == 3.0
