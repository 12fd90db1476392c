"""Each fact (a name list, a channel count, a default) is written in one module only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

PACKAGES = Path(__file__).resolve().parents[2] / "packages"
SOURCES = sorted(PACKAGES.glob("*/src/connectomics/**/*.py"))


def _code(path: Path) -> str:
    """The text of a source file without its comment lines (comments document, code states)."""
    return "\n".join(
        line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")
    )


def _modules_matching(pattern: str) -> list[str]:
    """Package-relative paths of the source files whose code matches `pattern` (a regex)."""
    regex = re.compile(pattern)
    return [str(path.relative_to(PACKAGES)) for path in SOURCES if regex.search(_code(path))]


def test_activation_names_are_written_in_the_target_specs_only():
    from connectomics.config.schema.inference import InferenceConfig
    from connectomics.config.target_specs import ACTIVATIONS, Activation
    from connectomics.data.inference.activation import FUNCTIONS
    from connectomics.data.inference.options import ACTIVATIONS as INFERENCE_ACTIVATIONS

    assert ACTIVATIONS == get_args(Activation) == INFERENCE_ACTIVATIONS
    assert tuple(FUNCTIONS) == ACTIVATIONS
    assert Activation in get_args(InferenceConfig.model_fields["activation"].annotation)
    # a tuple or Literal listing "sigmoid" next to "tanh": only the target specs' Literal
    listed = _modules_matching(r"\"sigmoid\",\s*\"softmax\",\s*\"tanh\"")
    assert listed == ["connectomics-core/src/connectomics/config/target_specs.py"]


def test_target_transforms_state_no_channel_count():
    """Channel counts come from the target specs (TargetLayout), never from a transform."""
    targets = "connectomics-data/src/connectomics/data/targets/"
    assert [m for m in _modules_matching(r"num_channels") if m.startswith(targets)] == []


def test_the_default_block_size_is_written_once():
    import inspect

    from connectomics.data.blockwise import decode, evaluate
    from connectomics.data.blockwise.block_grid import DEFAULT_BLOCK

    blockwise = ("connectomics-data/src/connectomics/data/blockwise/", "connectomics-cli/")
    written = [m for m in _modules_matching(r"\b128\b") if m.startswith(blockwise)]
    assert written == ["connectomics-data/src/connectomics/data/blockwise/block_grid.py"]
    for function in (decode.decode_blockwise, evaluate.evaluate_blockwise):
        assert inspect.signature(function).parameters["block_size"].default == DEFAULT_BLOCK


def test_evaluation_defaults_come_from_the_schema():
    import inspect

    import numpy as np

    from connectomics.config.schema.inference import EvaluationConfig
    from connectomics.data.evaluation import evaluate
    from connectomics.data.evaluation.semantic import evaluate_semantic

    evaluation = "connectomics-data/src/connectomics/data/evaluation/"
    assert [
        m for m in _modules_matching(r"(=|,|else)\s*0\.5\s*[,)\n]") if m.startswith(evaluation)
    ] == []
    assert [
        m for m in _modules_matching(r"((?<![<>=!])=|,)\s*\(0,\)") if m.startswith(evaluation)
    ] == []
    parameter = inspect.signature(evaluate_semantic).parameters["threshold"]
    assert parameter.default == EvaluationConfig().threshold
    # no section: the schema's threshold cuts the probabilities (0.4 is background at 0.5)
    prob, gt = np.array([[0.4, 0.6]], np.float32), np.array([[1, 1]])
    assert evaluate(prob, gt, metrics=["recall"]) == {"recall": 0.5}


def test_per_block_labellers_take_their_values_from_the_decoder_signature():
    """A labeller's own defaults would be a second statement of the decoder's."""
    import inspect

    from connectomics.data.decoding.registry import DECODERS

    labelled = [spec for spec in map(DECODERS.__getitem__, DECODERS.names()) if spec.labeller]
    assert len(labelled) >= 3
    for spec in labelled:
        parameters = inspect.signature(spec.labelling()).parameters.values()
        assert all(p.default is inspect.Parameter.empty for p in parameters), spec.name


def test_checkpoints_are_read_and_run_paths_built_in_one_module_each():
    lightning = "connectomics-lightning/src/connectomics/lightning/"
    assert _modules_matching(r"torch\.load\(") == [lightning + "checkpoint_io.py"]
    assert _modules_matching(r"decoding_tuned\.yaml") == [lightning + "run_paths.py"]
    built = _modules_matching(r"Path\([^)]*save_dir\)?\s*/")
    assert built == [lightning + "run_paths.py"]
