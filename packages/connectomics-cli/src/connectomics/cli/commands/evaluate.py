"""`connectomics evaluate`: score a segmentation or probability map against ground truth."""

from __future__ import annotations

import argparse

from connectomics.cli.blockwise_args import add_blockwise_arguments
from connectomics.cli.common import existing_file
from connectomics.cli.safety import refuse_clobber, refuse_output_on_input


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics evaluate`."""
    parser.add_argument("--prediction", required=True, help="segmentation or probability volume")
    parser.add_argument("--label", required=True, help="ground-truth volume (e.g. gt.h5:label)")
    parser.add_argument(
        "--metrics",
        nargs="+",
        default=["adapted_rand", "voi"],
        help="dice iou precision recall f1 adapted_rand voi cremi ap",
    )
    parser.add_argument(
        "--threshold", type=float, default=0.5, help="foreground threshold for semantic metrics"
    )
    parser.add_argument("--json", help="also write the scores as JSON here")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --json file")
    add_blockwise_arguments(
        parser, "instance metrics (the default for two chunked Zarr/HDF5 inputs, 128-voxel blocks):"
    )


def run(args: argparse.Namespace) -> int:
    """Compute the metrics and print them as a table."""
    from connectomics.data.evaluation import (
        SEMANTIC_METRICS,
        evaluate_instances,
        evaluate_semantic,
        format_report,
        write_report,
    )
    from connectomics.data.io import read_volume

    existing_file(args.prediction.split(":")[0], "prediction")
    existing_file(args.label.split(":")[0], "label")
    if args.json:
        refuse_output_on_input(args.json, args.prediction, args.label)
        refuse_clobber(args.json, args.overwrite, "--json file")
    semantic = [m for m in args.metrics if m in SEMANTIC_METRICS]
    instance = [m for m in args.metrics if m not in SEMANTIC_METRICS]
    results = {}
    if semantic:
        prediction, label = read_volume(args.prediction), read_volume(args.label)
        results.update(evaluate_semantic(prediction, label, semantic, threshold=args.threshold))
    if instance and _chunked(args):
        from connectomics.data.blockwise import Engine, evaluate_blockwise

        engine = Engine(scheduler=args.scheduler)
        block = args.block_size or 128
        results.update(evaluate_blockwise(args.prediction, args.label, instance, block, engine))
    elif instance:
        prediction, label = read_volume(args.prediction), read_volume(args.label)
        results.update(evaluate_instances(prediction, label, instance))
    print(format_report(results))
    if args.json:
        write_report(results, args.json)
    return 0


def _chunked(args: argparse.Namespace) -> bool:
    """Blockwise instance metrics: asked for, or both inputs are chunked stores."""
    from connectomics.data.blockwise import is_chunked
    from connectomics.data.io import open_volume

    if args.block_size or args.scheduler:
        return True
    return is_chunked(open_volume(args.prediction)) and is_chunked(open_volume(args.label))
