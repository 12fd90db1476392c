"""`connectomics download`: fetch a public dataset with resume and checksum verification."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics download`."""
    parser.add_argument("name", nargs="?", help="dataset name (omit to list them)")
    parser.add_argument("--to", default="datasets", help="target folder (default: datasets)")
    parser.add_argument(
        "--from",
        dest="source",
        metavar="DIR",
        help="folder holding the file fetched elsewhere (no network needed); verified by the "
        "same checksums as a download",
    )
    parser.add_argument(
        "--force", action="store_true", help="make the dataset's files again, even if present"
    )


def run(args: argparse.Namespace) -> int:
    """Download, verify and extract one dataset, or list the registry."""
    from connectomics.data.download import DATASETS, download

    if not args.name:
        for name, entry in DATASETS.items():
            print(f"{name:14s} {entry.description}\n{'':14s} {entry.url}")
        return 0
    if args.name not in DATASETS:
        from connectomics.data.errors import DataError

        raise DataError(f"unknown dataset {args.name!r}; known: {', '.join(DATASETS)}")
    from connectomics.cli.common import progress

    with progress(0, f"download {args.name}", unit="B") as bar:

        def advance(done: int, total: int | None) -> None:
            bar.total = total
            bar.update(done - bar.n)

        path = download(
            args.name, to=args.to, force=args.force, progress=advance, source=args.source
        )
    print(f"{args.name} ready in {path}")
    return 0
