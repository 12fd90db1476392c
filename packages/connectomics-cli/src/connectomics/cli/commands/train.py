"""`connectomics train`."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics train`."""


def run(args: argparse.Namespace) -> int:
    """Run `connectomics train`."""
    raise SystemExit("connectomics train: not available in this build yet")
