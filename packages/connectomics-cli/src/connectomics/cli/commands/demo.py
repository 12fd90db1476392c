"""`connectomics demo`."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics demo`."""


def run(args: argparse.Namespace) -> int:
    """Run `connectomics demo`."""
    raise SystemExit("connectomics demo: not available in this build yet")
