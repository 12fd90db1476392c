"""Run the documentation as written: every shell command and Python block of a page, in order.

A page is a Sphinx page under `docs/` or the README. Its blocks are read from the source
(`code-block:: bash|console|shell|sh|python`, `testsetup`/`testcode`, `doctest`, and `::`
literal blocks or indented Markdown blocks whose lines are commands), run in order in one
scratch folder per page (shell blocks with bash, Python blocks in one namespace per page), after
the substitutions of `docs/commands_substitutions.yaml` (what a CI machine lacks: public data,
GPUs, hours of training). Afterwards every path the page names as an output (`--output`,
`--out`, `--to`, `-o` values and `docs-commands: outputs` lines) must exist, and no command
may have printed a library's tips or deprecation warnings (`THIRD_PARTY_NOISE`).

A page says in its own source what the runner must know, in comments the site does not show:

    .. docs-commands: skip-page REASON      (Markdown: <!-- docs-commands: skip-page REASON -->)
    .. docs-commands: skip-next REASON      the next block does not run, for REASON
    .. docs-commands: outputs PATH ...      paths the page's commands write
    .. docs-commands: figure PATH NAME      copy PATH (an output) to docs/_generated/NAME
    .. docs-commands: curves RUN NAME       draw the TensorBoard scalars logged under RUN (an
                                            output) into docs/_generated/NAME (tests/docs/curves.py)
    .. docs-commands: setup COMMAND         run COMMAND here (what a reader did on an earlier page)

The scratch folder stands for a clone: the repository's `tutorials`, `docs`, `scripts`,
`packages` and `tests` folders are linked into it, so paths like `tutorials/lucchi.yaml` work as written.

Command line (one driver process per page):
    python -m tests.docs.docs_commands [PAGE ...] [--scratch DIR] [--figures DIR]
"""

from __future__ import annotations

import argparse
import doctest
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tests.docs.curves import plot_curves

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SUBSTITUTIONS = DOCS / "commands_substitutions.yaml"
GENERATED = DOCS / "_generated"
SHELL_LANGUAGES = {"bash", "console", "shell", "sh"}
# first words that make an untyped literal block a block of commands
COMMAND_WORDS = {
    "pip",
    "uv",
    "connectomics",
    "python",
    "tensorboard",
    "nox",
    "git",
    "cd",
    "srun",
    "torchrun",
    "export",
}
CLONE_FOLDERS = ("tutorials", "docs", "scripts", "packages", "tests")
OUTPUT_OPTIONS = ("--output", "--out", "--to", "-o")
# What a command must not print by default (issue 27): the libraries' tips and deprecations.
THIRD_PARTY_NOISE = re.compile(
    r"💡 Tip|litlogger|DeprecationWarning|FutureWarning|is deprecated|GPU available:|TPU available:"
)
DIRECTIVE = re.compile(r"^\s*(?:\.\.|<!--)\s*docs-commands:\s*(\S+)\s*(.*?)\s*(?:-->)?\s*$")


@dataclass
class Block:
    """One runnable block of a page: its kind (shell, python, doctest), text and source line."""

    kind: str
    text: str
    line: int
    skip: str | None = None


@dataclass
class Page:
    """A page's runnable blocks and what its comments say about it."""

    path: Path
    blocks: list[Block] = field(default_factory=list)
    skip: str | None = None
    outputs: list[str] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)
    curves: list[tuple[str, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The page's path relative to the repository."""
        return self.path.relative_to(ROOT).as_posix()


def pages() -> list[Path]:
    """Every page the runner reads: the README and the Sphinx sources under docs/."""
    found = [ROOT / "README.md"]
    for path in sorted(DOCS.rglob("*.rst")):
        if "_build" not in path.parts:
            found.append(path)
    return found


def _is_commands(lines: list[str]) -> bool:
    """Whether a literal block is commands: every line one, or a transcript whose `$ ` lines are."""
    if any(ln.startswith("$ ") for ln in lines):
        lines = [ln[2:] for ln in lines if ln.startswith("$ ")]
    words = [ln.split()[0] for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    return bool(words) and all(w in COMMAND_WORDS for w in words)


def _console(text: str) -> str:
    """The bash of a console transcript: each `$ ` command (with its continuation lines); one
    whose shown output begins with `error:` must exit 2 and print that first line. A block
    without prompts is all commands."""
    lines = text.splitlines()
    if not any(ln.startswith("$ ") for ln in lines):
        return text
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            i += 1
            continue
        command = [lines[i][2:]]
        i += 1
        while command[-1].rstrip().endswith("\\") and i < len(lines):
            command.append(lines[i])
            i += 1
        shown = []
        while i < len(lines) and lines[i].strip() and not lines[i].startswith("$ "):
            shown.append(lines[i].strip())
            i += 1
        cmd = _join_continuations("\n".join(command)).strip()
        if shown and shown[0].startswith("error:"):
            out.append(_expect_error(cmd, shown[0]))
        else:
            out.append(cmd)
    return "\n".join(out)


def _expect_error(command: str, first_line: str) -> str:
    """Bash that runs `command`, which must exit 2 with `first_line` in its output."""
    expected = shlex.quote(first_line)
    return (
        f"set +e; out=$({command} 2>&1); rc=$?; set -e; "
        f'if [ $rc -ne 2 ] || ! grep -qF -- {expected} <<<"$out"; then '
        f'echo "expected exit 2 and: "{expected}"; got exit $rc:"; echo "$out"; exit 1; fi'
    )


def _indented(lines: list[str], start: int, indent: int) -> tuple[str, int]:
    """The block of lines after `start` indented deeper than `indent`; (text, next index)."""
    body: list[str] = []
    i = start
    while i < len(lines):
        ln = lines[i]
        if ln.strip() and len(ln) - len(ln.lstrip()) <= indent:
            break
        body.append(ln)
        i += 1
    # directive options (":caption: x") come first
    while body and body[0].strip().startswith(":") and not body[0].strip().startswith("::"):
        body.pop(0)
    return textwrap.dedent("\n".join(body)).strip("\n"), i


def extract(path: Path) -> Page:
    """The runnable blocks of one page, in order, with the page's docs-commands comments."""
    page = Page(path)
    lines = path.read_text().splitlines()
    pending_skip: str | None = None
    markdown = path.suffix == ".md"
    i = 0
    while i < len(lines):
        ln = lines[i]
        m = DIRECTIVE.match(ln)
        if m:
            what, rest = m.groups()
            if what == "skip-page":
                page.skip = rest or "no reason given"
            elif what == "skip-next":
                pending_skip = rest or "no reason given"
            elif what == "outputs":
                page.outputs.extend(rest.split())
            elif what == "setup":
                page.blocks.append(Block("shell", rest, i + 1))
            elif what == "figure":
                src, name = rest.split()
                page.figures.append((src, name))
                page.outputs.append(src)
            elif what == "curves":
                run, name = rest.split()
                page.curves.append((run, name))
                page.outputs.append(run)
            else:
                raise ValueError(f"{path}:{i + 1}: unknown docs-commands comment {what!r}")
            i += 1
            continue
        indent = len(ln) - len(ln.lstrip())
        block: Block | None = None
        if markdown:
            if ln.startswith("```"):
                lang = ln[3:].strip()
                j = i + 1
                while j < len(lines) and not lines[j].startswith("```"):
                    j += 1
                text = "\n".join(lines[i + 1 : j])
                if lang in SHELL_LANGUAGES or (not lang and _is_commands(text.splitlines())):
                    block = Block("shell", _console(text), i + 1)
                elif lang == "python":
                    block = Block("python", text, i + 1)
                i = j + 1
            elif ln.startswith("    ") and (i == 0 or not lines[i - 1].strip()):
                text, j = _indented(lines, i, 3)
                if _is_commands(text.splitlines()):
                    block = Block("shell", _console(text), i + 1)
                i = max(j, i + 1)
            else:
                i += 1
        else:
            d = re.match(
                r"^\s*\.\. (code-block|code|sourcecode|testsetup|testcode|doctest)::\s*(\S*)", ln
            )
            if d:
                directive, lang = d.groups()
                text, j = _indented(lines, i + 1, indent)
                if directive in ("testsetup", "testcode"):
                    block = Block("python", text, i + 1)
                elif directive == "doctest":
                    block = Block("doctest", text, i + 1)
                elif lang in SHELL_LANGUAGES:
                    block = Block("shell", _console(text) if lang == "console" else text, i + 1)
                elif lang == "python":
                    block = Block("python", text, i + 1)
                i = j
            elif ln.rstrip().endswith("::") and not ln.lstrip().startswith(".."):
                text, j = _indented(lines, i + 1, indent)
                if _is_commands(text.splitlines()):
                    block = Block("shell", _console(text), i + 1)
                i = max(j, i + 1)
            else:
                i += 1
        if block is not None:
            block.skip, pending_skip = pending_skip, None
            page.blocks.append(block)
    return page


# -- substitutions ------------------------------------------------------------------------


@dataclass
class Substitution:
    """One row of the substitution table: a regex, its replacement, the pages and the reason."""

    match: str
    replace: str
    why: str
    pages: list[str] = field(default_factory=lambda: ["*"])

    def applies(self, page: Page) -> bool:
        """Whether this row is for `page` (glob patterns on the page's repository path)."""
        return any(Path(page.name).match(p) or p == "*" for p in self.pages)


def load_substitutions(path: Path = SUBSTITUTIONS) -> tuple[list[Substitution], dict[str, str]]:
    """The substitution rows and the environment variables of the table file."""
    data = yaml.safe_load(path.read_text())
    rows = [Substitution(**row) for row in data.get("substitutions", [])]
    return rows, {k: str(v) for k, v in (data.get("env") or {}).items()}


def _join_continuations(text: str) -> str:
    return re.sub(r"\\\n\s*", " ", text)


def substitute(page: Page, block: Block, rows: list[Substitution], used: set[int]) -> str:
    """The block's text after every applicable row (shell blocks: one command per line)."""
    text = _join_continuations(block.text) if block.kind == "shell" else block.text
    for n, row in enumerate(rows):
        if not row.applies(page):
            continue
        new = re.sub(row.match, row.replace.replace("{root}", str(ROOT)), text, flags=re.M)
        if new != text:
            used.add(n)
        text = new
    return text


def named_outputs(page: Page) -> list[str]:
    """Paths the page names as outputs: option values of its commands and `outputs` comments."""
    found: list[str] = []
    for block in page.blocks:
        if block.kind != "shell" or block.skip:
            continue
        for line in _join_continuations(block.text).splitlines():
            words = line.split("#")[0].split()
            for k, w in enumerate(words[:-1]):
                if w in OUTPUT_OPTIONS:
                    found.append(words[k + 1])
    found += page.outputs
    # a store path may name an array inside it (`seg.zarr:segmentation`)
    return list(dict.fromkeys(re.sub(r"(\.(zarr|h5|hdf5|n5)):.*$", r"\1", p) for p in found))


# -- running ------------------------------------------------------------------------------

PYTHON_SETUP = """
from pathlib import Path
import numpy as np
import torch
torch.set_num_threads(1)
torch.manual_seed(0)
DOCS = Path({docs!r})
"""


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["UV_PROJECT"] = str(ROOT)  # `uv run` from the scratch folder uses this checkout
    env.setdefault("PYTHONPATH", str(ROOT))
    env.update(extra)
    return env


def run_page(page: Page, scratch: Path, figures: Path | None = None) -> dict:
    """Run a page's blocks in `scratch`; the result of each block and the missing outputs."""
    rows, env_extra = load_substitutions()
    env = _env(env_extra)
    for key, value in env_extra.items():
        os.environ[key] = value
    used: set[int] = set()
    results: list[dict] = []
    namespace: dict = {}
    scratch.mkdir(parents=True, exist_ok=True)
    for name in CLONE_FOLDERS:
        if not (scratch / name).exists():
            (scratch / name).symlink_to(ROOT / name)
    old_cwd = os.getcwd()
    os.chdir(scratch)
    try:
        exec(PYTHON_SETUP.format(docs=str(DOCS)), namespace)
        for block in page.blocks:
            where = f"{page.name}:{block.line}"
            if block.skip:
                results.append({"where": where, "skipped": block.skip})
                continue
            text = substitute(page, block, rows, used)
            t0 = time.perf_counter()
            result = {"where": where, "kind": block.kind, "text": text}
            if block.kind == "shell":
                proc = subprocess.run(
                    ["bash", "-e", "-o", "pipefail", "-c", text],
                    cwd=scratch,
                    env=env,
                    capture_output=True,
                    text=True,
                )
                output = proc.stdout + proc.stderr
                result.update(rc=proc.returncode, tail=output[-3000:])
                noise = [ln.strip() for ln in output.splitlines() if THIRD_PARTY_NOISE.search(ln)]
                if noise:
                    result["noise"] = noise[:5]
            else:
                result.update(_run_python(block, text, namespace))
            result["seconds"] = round(time.perf_counter() - t0, 1)
            results.append(result)
            if result.get("rc"):
                break  # later blocks build on this one
    finally:
        os.chdir(old_cwd)
    missing = [p for p in named_outputs(page) if not (scratch / p).exists()]
    figure_problems: list[str] = []
    if figures is not None:
        figures.mkdir(parents=True, exist_ok=True)
        for src, name in page.figures:
            if (scratch / src).exists():
                shutil.copyfile(scratch / src, figures / name)
        for run, name in page.curves:
            if (scratch / run).exists():
                try:
                    plot_curves(scratch / run, figures / name)
                except ValueError as exc:
                    figure_problems.append(f"{page.name}: curves {name}: {exc}")
    return {
        "page": page.name,
        "blocks": results,
        "missing_outputs": missing,
        "figure_problems": figure_problems,
        "substitutions_used": sorted(used),
    }


def _run_python(block: Block, text: str, namespace: dict) -> dict:
    import contextlib
    import io
    import traceback

    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            if block.kind == "doctest":
                test = doctest.DocTestParser().get_doctest(text, namespace, "block", None, 0)
                runner = doctest.DocTestRunner(
                    optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
                )
                runner.run(test, out=out.write, clear_globs=False)
                namespace.update(test.globs)  # a DocTest runs in a copy; later blocks see its names
                if runner.failures:
                    return {"rc": 1, "tail": out.getvalue()[-3000:]}
            else:
                exec(compile(text, "block", "exec"), namespace)
    except BaseException:  # noqa: BLE001 - the block's failure is the result
        return {"rc": 1, "tail": (out.getvalue() + traceback.format_exc())[-3000:]}
    return {"rc": 0, "tail": out.getvalue()[-1000:]}


def run_in_subprocess(page: Path, scratch: Path, figures: Path | None = None, timeout=3600) -> dict:
    """Run one page in a fresh interpreter (the driver below) and return its result."""
    report = scratch.parent / f"{scratch.name}.json"
    cmd = [sys.executable, "-m", "tests.docs.docs_commands", str(page), "--scratch", str(scratch)]
    cmd += ["--report", str(report)] + (["--figures", str(figures)] if figures else [])
    proc = subprocess.run(
        cmd, cwd=ROOT, env=_env({}), capture_output=True, text=True, timeout=timeout
    )
    if not report.exists():
        raise RuntimeError(f"docs runner died on {page}: {(proc.stdout + proc.stderr)[-3000:]}")
    return json.loads(report.read_text())


def failures(result: dict) -> list[str]:
    """One line (plus output tail) per failed block and per missing output of a page result."""
    lines = []
    for b in result["blocks"]:
        if b.get("rc"):
            lines.append(f"{b['where']}: exit {b['rc']}\n{b['text']}\n--- output ---\n{b['tail']}")
    lines += [
        f"{result['page']}: names {p} as an output; it was not written"
        for p in result["missing_outputs"]
    ]
    lines += result.get("figure_problems", [])
    lines += [
        f"{b['where']}: printed third-party tips or deprecations:\n" + "\n".join(b["noise"])
        for b in result["blocks"]
        if b.get("noise")
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the given pages (default: all), print what failed, exit 1 on any failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path)
    parser.add_argument("--scratch", type=Path)
    parser.add_argument("--report", type=Path)
    parser.add_argument("--figures", type=Path)
    args = parser.parse_args(argv)
    chosen = [p.resolve() for p in args.pages] or pages()
    bad = 0
    all_results = []
    for path in chosen:
        page = extract(path)
        if page.skip:
            print(f"{page.name}: skipped ({page.skip})")
            continue
        scratch = args.scratch or Path(tempfile.mkdtemp(prefix="docs-commands-"))
        result = run_page(page, scratch if len(chosen) == 1 else scratch / path.stem, args.figures)
        all_results.append(result)
        problems = failures(result)
        bad += bool(problems)
        ran = sum(1 for b in result["blocks"] if "rc" in b)
        print(f"{page.name}: {ran} blocks ran, {len(problems)} problems")
        for p in problems:
            print(p)
    if args.report:
        args.report.write_text(json.dumps(all_results[0] if len(all_results) == 1 else all_results))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
