"""`connectomics predict`."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics predict`."""


def run(args: argparse.Namespace) -> int:
    """Run `connectomics predict`."""
    raise SystemExit("connectomics predict: not available in this build yet")
