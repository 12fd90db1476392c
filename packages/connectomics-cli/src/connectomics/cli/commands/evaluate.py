"""`connectomics evaluate`."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics evaluate`."""


def run(args: argparse.Namespace) -> int:
    """Run `connectomics evaluate`."""
    raise SystemExit("connectomics evaluate: not available in this build yet")
