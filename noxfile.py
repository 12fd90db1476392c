"""Developer sessions: tests, layers, lint, docs. Run with `uv run nox -s NAME`."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["tests", "slow"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
PACKAGES = ["core", "data", "lightning", "cli"]
# Third-party distributions each layer adds; a lower layer installed alone must not bring them.
LAYER_EXCLUSIVE = {
    "core": [],
    "data": ["h5py", "zarr", "scipy", "connected-components-3d", "waterz", "onnx", "onnxruntime"],
    "lightning": ["pytorch-lightning", "lightning", "tensorboard", "wandb"],
    "cli": [],
}
# Optional extras (connectomics-lightning[wandb], [export]): no plain install may bring them.
OPTIONAL_EXTRAS = ["wandb", "bioimageio.spec", "bioimageio.core"]
PYTEST_NO_TESTS = 5


def _pytest(session: nox.Session, marker: str) -> None:
    """pytest on the picked packages' tests (positional args: core, data, ..., e2e; rest to pytest)."""
    picked = [a for a in session.posargs if a in PACKAGES + ["e2e", "reliability"]]
    extra = [a for a in session.posargs if a not in picked]
    paths = [f"tests/{p}" for p in picked] or ["tests"]
    session.run("uv", "sync", "--frozen", external=True)
    code = session.run(
        "uv",
        "run",
        "--frozen",
        "pytest",
        "-m",
        marker,
        "--durations=15",  # where the suite's minutes go, in every CI log
        *paths,
        *extra,
        external=True,
        success_codes=[0, PYTEST_NO_TESTS],
    )
    if code is False or code == PYTEST_NO_TESTS:  # pragma: no cover - nox returns True on success
        session.error(f"pytest collected no tests under {' '.join(paths)} for -m '{marker}'")


@nox.session(venv_backend="none")
def tests(session: nox.Session) -> None:
    """The test suite without the long trainings (those run in `slow`); a few minutes on 2 cores."""
    _pytest(session, "not slow")


@nox.session(venv_backend="none")
def slow(session: nox.Session) -> None:
    """The long tests: trainings, DDP and multi-process runs, whole-journey end-to-end runs."""
    _pytest(session, "slow")
    # the fuzzed command line again, with many more (still reproducible) draws per command
    session.run(
        "uv",
        "run",
        "--frozen",
        "pytest",
        "-m",
        "not slow",
        "tests/reliability/test_fuzz_cli.py",
        external=True,
        env={"CONNECTOMICS_FUZZ_PROFILE": "long"},
    )


@nox.session(venv_backend="none")
def lint(session: nox.Session) -> None:
    """Ruff lint and format check, plus the import-layer contract."""
    session.run("uv", "run", "--frozen", "ruff", "check", ".", external=True)
    session.run("uv", "run", "--frozen", "ruff", "format", "--check", ".", external=True)
    session.run("uv", "run", "--frozen", "lint-imports", external=True)


@nox.session(venv_backend="none")
def layers(session: nox.Session) -> None:
    """Build the four wheels and install each alone into a fresh venv, as a user would."""
    dist = ROOT / "dist" / "layers"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("uv", "build", "--all-packages", "--wheel", "-o", str(dist), external=True)
    check = ROOT / "scripts" / "check_layer.py"
    for i, pkg in enumerate(PACKAGES):
        venv = Path(session.create_tmp()) / f"layer-{pkg}"
        shutil.rmtree(venv, ignore_errors=True)
        session.run("uv", "venv", "-q", "--python", sys.executable, str(venv), external=True)
        py = str(venv / "bin" / "python")
        env = {"VIRTUAL_ENV": str(venv)}
        # Only our own wheels come from dist/; every third-party package comes from the index.
        session.run(
            "uv",
            "pip",
            "install",
            "-q",
            "--python",
            py,
            "--find-links",
            str(dist),
            f"connectomics-{pkg}",
            external=True,
            env=env,
        )
        forbidden = [d for higher in PACKAGES[i + 1 :] for d in LAYER_EXCLUSIVE[higher]]
        forbidden += [f"connectomics-{higher}" for higher in PACKAGES[i + 1 :]]
        forbidden += [d for d in OPTIONAL_EXTRAS if d not in forbidden]
        session.run(
            py,
            str(check),
            pkg,
            *forbidden,
            external=True,
            env={"PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", "")},
        )


@nox.session(venv_backend="none")
def docs(session: nox.Session) -> None:
    """Build the Sphinx site with warnings as errors and run its examples."""
    if not (ROOT / "docs" / "conf.py").exists():
        session.skip("docs/ has no Sphinx project yet")
    session.run("uv", "sync", "--frozen", "--group", "docs", external=True)
    # the pictures the pages show are made by running those pages (docs/_generated/), afresh:
    # a picture the run did not make is missing, and sphinx -W fails on it
    shutil.rmtree(ROOT / "docs" / "_generated", ignore_errors=True)
    session.run(
        "uv",
        "run",
        "--frozen",
        "python",
        "-m",
        "tests.docs.docs_commands",
        "docs/quickstart.rst",
        "--figures",
        "docs/_generated",
        external=True,
    )
    # the "Look at your results" picture: `connectomics view --screenshot` in headless Chromium
    session.run(
        "uv",
        "run",
        "--frozen",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/view/test_view_browser.py::test_screenshot_shows_the_volumes",
        external=True,
    )
    session.run(
        "uv",
        "run",
        "--frozen",
        "--group",
        "docs",
        "sphinx-build",
        "-W",
        "--keep-going",
        "-b",
        "html",
        "docs",
        "docs/_build/html",
        external=True,
    )
    session.run(
        "uv",
        "run",
        "--frozen",
        "--group",
        "docs",
        "sphinx-build",
        "-W",
        "-b",
        "doctest",
        "docs",
        "docs/_build/doctest",
        external=True,
    )


@nox.session(venv_backend="none")
def docs_commands(session: nox.Session) -> None:
    """Every shell command and Python block of the pages and the README, run as written
    (substitutions: docs/commands_substitutions.yaml); `-- PAGE ...` for some pages only."""
    session.run("uv", "sync", "--frozen", external=True)
    session.run(
        "uv",
        "run",
        "--frozen",
        "python",
        "-m",
        "tests.docs.docs_commands",
        *session.posargs,
        external=True,
    )


@nox.session(venv_backend="none")
def bench(session: nox.Session) -> None:
    """Neuron and blockwise benchmarks (speed ratios, accuracy in fixed time, memory growth,
    scaling) as JSON; `-- --mode full` for all."""
    session.run("uv", "sync", "--frozen", external=True)
    session.run(
        "uv",
        "run",
        "--frozen",
        "python",
        "benchmarks/bench_neurons.py",
        *session.posargs,
        external=True,
    )
    # blockwise decoding at scale: small volumes in short mode, 256^3 in full; only --mode
    # applies to it (the other options are bench_neurons')
    args = session.posargs
    mode = args[args.index("--mode") + 1] if "--mode" in args[:-1] else "short"
    session.run(
        "uv",
        "run",
        "--frozen",
        "python",
        "benchmarks/bench_blockwise.py",
        "--mode",
        mode,
        external=True,
    )
