"""`connectomics decode`."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics decode`."""


def run(args: argparse.Namespace) -> int:
    """Run `connectomics decode`."""
    raise SystemExit("connectomics decode: not available in this build yet")
