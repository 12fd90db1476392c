"""`connectomics test`."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics test`."""


def run(args: argparse.Namespace) -> int:
    """Run `connectomics test`."""
    raise SystemExit("connectomics test: not available in this build yet")
