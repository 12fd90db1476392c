"""Options shared by the commands that can run blockwise (decode, evaluate)."""

from __future__ import annotations

import argparse


def block_size(text: str) -> list[int]:
    """ "64" or "32,64,64" as a list of positive block sizes."""
    try:
        sizes = [int(part) for part in text.replace("x", ",").split(",") if part.strip()]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a block size; give one size or one per axis, e.g. 64 or 32,96,96"
        )
    return sizes


def add_blockwise_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    """--block-size and --scheduler."""
    parser.add_argument(
        "--block-size",
        type=block_size,
        metavar="Z,Y,X",
        help=f"{what} block by block with blocks of this size (one size or one per axis)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="dask.distributed scheduler address, e.g. tcp://host:8786 (default: local threads)",
    )
