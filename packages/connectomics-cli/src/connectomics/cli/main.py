"""Entry point of the `connectomics` command; heavy modules are imported per command."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn

COMMANDS = {
    "train": "Train a model from a config.",
    "test": "Predict, decode and evaluate the test volumes with a checkpoint.",
    "predict": "Predict a volume with a checkpoint (out of core).",
    "adapt": "Fine-tune a checkpoint on an unlabeled volume (mean teacher).",
    "export": "Export a checkpoint to TorchScript, ONNX or a BioImage Model Zoo package.",
    "decode": "Turn a prediction volume into instances.",
    "export-volume": "Write a volume as neuroglancer precomputed or OME-Zarr, with scales.",
    "evaluate": "Score a segmentation against ground truth.",
    "download": "Download a public dataset.",
    "view": "Look at volumes (raw, predictions, segmentations) in a local neuroglancer viewer.",
    "config": "Show or validate a config.",
    "info": "Versions, devices and registries.",
    "plan": "Plan a training config from a volume, its labels and a budget.",
    "demo": "The whole cycle on a small built-in synthetic volume, no data needed.",
}


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one `error:` line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        """Print `error: PROG: MESSAGE (see PROG --help)` on one line and exit 2."""
        text = " ".join(message.split())
        self.exit(2, f"error: {self.prog}: {text} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand (each command module adds its own options)."""
    parser = OneLineParser(
        prog="connectomics", description="Train and run 3D EM segmentation networks."
    )
    parser.add_argument("--version", action="version", version=version_text())
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="keep the libraries' tips and warnings"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        _module(name).add_arguments(p)
    return parser


def version_text() -> str:
    """Versions of the four connectomics distributions, e.g. 'connectomics-cli 0.1.0 (...)'."""
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for dist in ("cli", "lightning", "data", "core"):
        try:
            parts.append(f"connectomics-{dist} {version(f'connectomics-{dist}')}")
        except PackageNotFoundError:
            parts.append(f"connectomics-{dist} (not installed)")
    return f"{parts[0]} ({', '.join(parts[1:])})"


def _module(name: str):
    return importlib.import_module(f"connectomics.cli.commands.{name.replace('-', '_')}")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run one command, and turn user errors into one line and exit code 2."""
    from connectomics.cli.quiet import quiet, split_verbose

    argv, verbose = split_verbose(sys.argv[1:] if argv is None else list(argv))
    quiet(verbose)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # key=value overrides may follow options (argparse takes positionals in one run only)
    if extra:
        if hasattr(args, "overrides") and all("=" in e and not e.startswith("-") for e in extra):
            args.overrides = [*args.overrides, *extra]
        else:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    from connectomics.cli.errors import run_guarded

    return run_guarded(_module(args.command).run, args)


if __name__ == "__main__":
    sys.exit(main())
