"""`connectomics download`."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics download`."""


def run(args: argparse.Namespace) -> int:
    """Run `connectomics download`."""
    raise SystemExit("connectomics download: not available in this build yet")
