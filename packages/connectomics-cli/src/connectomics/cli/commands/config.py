"""`connectomics config`."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics config`."""


def run(args: argparse.Namespace) -> int:
    """Run `connectomics config`."""
    raise SystemExit("connectomics config: not available in this build yet")
