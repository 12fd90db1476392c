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

    evaluation = (
        "connectomics-data/src/connectomics/data/evaluation/",
        "connectomics-core/src/connectomics/metrics/",
    )
    assert [
        m for m in _modules_matching(r"\bthreshold\b.*[=,]\s*0\.5\b") if m.startswith(evaluation)
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


def _fact_table() -> list[tuple[str, str]]:
    """(fact, owner cell) rows of the architecture page's "Where each fact lives" table."""
    page = (PACKAGES.parent / "docs" / "architecture.rst").read_text()
    section = page.split("Where each fact lives\n", 1)[1].split("\n----", 1)[0]
    section = section.rsplit("\n", 1)[0]  # drop the next section's title line
    rows = []
    for row in section.split("\n   * - ")[2:]:  # [0]: the text above, [1]: the header
        cells = [" ".join(cell.split()) for cell in row.split("\n     - ")]
        rows.append((cells[0], cells[1]))
    return rows


def test_the_architecture_page_names_one_existing_owner_per_fact():
    import importlib
    import inspect

    rows = _fact_table()
    assert len(rows) >= 15
    for fact, owner in rows:
        names = re.findall(r"``([^`]+)``", owner)
        assert len(names) == 1 and names[0] == owner.strip("`"), (fact, owner)
        parts = names[0].split(".")
        for split in range(len(parts) - 1, 0, -1):  # the longest importable module prefix
            try:
                module = importlib.import_module(".".join(parts[:split]))
            except ModuleNotFoundError:
                continue
            break
        else:
            raise AssertionError(f"{fact}: no module of {owner} imports")
        attribute = parts[split:]
        assert len(attribute) == 1, f"{fact}: {owner} names no module and one name in it"
        assert hasattr(module, attribute[0]), f"{fact}: {module.__name__} has no {attribute[0]}"
        defined = getattr(module, attribute[0])
        if inspect.isfunction(defined) or inspect.isclass(defined):  # defined there, not imported
            assert defined.__module__ == module.__name__, (fact, defined.__module__)
    facts = [fact for fact, _ in rows]
    assert len(set(facts)) == len(facts)


def _schema_defaults() -> dict[str, set[object]]:
    """Field name -> the scalar defaults it has in any section of the schema."""
    from pydantic import BaseModel

    from connectomics.config.schema import Config

    defaults: dict[str, set[object]] = {}
    seen: set[type] = set()

    def walk(model: type[BaseModel]) -> None:
        seen.add(model)
        for name, field in model.model_fields.items():
            if isinstance(field.default, bool | int | float | str):
                defaults.setdefault(name, set()).add(field.default)
            annotation = field.annotation
            for kind in (*get_args(annotation), annotation):
                if isinstance(kind, type) and issubclass(kind, BaseModel) and kind not in seen:
                    walk(kind)

    walk(Config)
    return defaults


# not config reads: a MONAI network's own attribute of the same name
NOT_CONFIG = {("connectomics-core/src/connectomics/models/monai_unets.py", "deep_supervision")}


def test_no_schema_default_is_restated_as_a_lookup_fallback():
    """`section.get("key", default)` / `getattr(section, "key", default)` with the schema's
    default written again outside config/schema (the typed Config already holds it)."""
    import ast

    defaults = _schema_defaults()
    restated = []
    for path in SOURCES:
        where = str(path.relative_to(PACKAGES))
        if "/config/schema/" in where:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else ""
            name = name or getattr(function, "id", "")
            if name not in ("get", "getattr", "pop", "setdefault"):
                continue
            key, value = node.args[-2:] if name == "getattr" else node.args[:2]
            if not (isinstance(key, ast.Constant) and isinstance(value, ast.Constant)):
                continue
            known = defaults.get(key.value, set())
            if any(type(d) is type(value.value) and d == value.value for d in known):
                if (where, key.value) not in NOT_CONFIG:
                    restated.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
    assert restated == []


def test_the_tuning_grid_is_written_in_the_decoder_spec_only():
    decoding = "connectomics-data/src/connectomics/data/decoding/spec.py"
    assert _modules_matching(r"0\.1,\s*0\.2,\s*0\.3,\s*0\.4") == [decoding]


# signature defaults named like a schema field but stating another fact
OTHER_FACT = {
    "decoding/affinity_cc.py": {"threshold"},  # a decoder's parameters: its spec owns them
    "decoding/affinity_waterz.py": {"threshold"},
    "decoding/binary.py": {"threshold"},
    "targets/base.py": {"mask_key"},  # keys of the sample dict, not of the volume files
    "targets/compose.py": {"label_key", "mask_key"},
    "datasets/random_crop.py": {"deterministic"},  # fixed crops, not training.deterministic
    "models/wrapper.py": {"deep_supervision"},  # whether a network has several heads
}


def test_no_signature_restates_a_schema_default():
    """A function's default equal to a same-named schema field's (prob, sizes, normalize,
    norm...) is a second statement: callers pass the typed value, or the default reads it."""
    import ast

    defaults = _schema_defaults()
    restated = []
    for path in SOURCES:
        where = str(path.relative_to(PACKAGES))
        if "/config/schema/" in where:
            continue
        other = OTHER_FACT.get("/".join(path.parts[-2:]), set())
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            args = node.args
            positional = args.posonlyargs + args.args
            pairs = [*zip(positional[len(positional) - len(args.defaults) :], args.defaults)]
            pairs += zip(args.kwonlyargs, args.kw_defaults)
            for argument, value in pairs:
                known = defaults.get(argument.arg, set()) if argument.arg not in other else ()
                if isinstance(value, ast.Constant) and any(
                    type(d) is type(value.value) and d == value.value for d in known
                ):
                    restated.append(f"{where}:{node.lineno}: {argument.arg}={value.value!r}")
    assert restated == []
