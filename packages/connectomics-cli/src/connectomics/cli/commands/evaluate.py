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
        default=None,
        help="dice iou precision recall f1 adapted_rand voi cremi ap (default: dice iou for "
        "a probability map, adapted_rand voi for a segmentation)",
    )
    parser.add_argument(
        "--threshold", type=float, default=0.5, help="foreground threshold for semantic metrics"
    )
    parser.add_argument("--json", help="also write the scores as JSON here")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --json file")
    add_blockwise_arguments(
        parser, "instance metrics (the default for two chunked Zarr/HDF5 inputs, 128-voxel blocks):"
    )
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="key=value",
        help="system.num_threads=N (torch threads, as in the other commands)",
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
    from connectomics.data.io import open_volume_auto

    _apply_threads(args.overrides)
    existing_file(args.prediction.split(":")[0], "prediction")
    existing_file(args.label.split(":")[0], "label")
    if args.json:
        refuse_output_on_input(args.json, args.prediction, args.label)
        refuse_clobber(args.json, args.overwrite, "--json file")
    keys = ["segmentation", "prediction"]
    from connectomics.cli.common import progress

    bar = progress(4, "evaluate", unit="step")
    prediction_volume = open_volume_auto(args.prediction, keys, option="--prediction")
    label_volume = open_volume_auto(args.label, ["label"], option="--label")
    probabilities = prediction_volume.dtype.kind == "f"
    metrics = args.metrics or (["dice", "iou"] if probabilities else ["adapted_rand", "voi"])
    semantic = [m for m in metrics if m in SEMANTIC_METRICS]
    instance = [m for m in metrics if m not in SEMANTIC_METRICS]
    if instance and probabilities:
        from connectomics.data.errors import DataError

        raise DataError(
            f"--metrics {' '.join(instance)} score instances but {args.prediction} holds "
            f"probabilities ({prediction_volume.dtype}); decode it first (connectomics decode --input "
            f"{args.prediction} --output seg.h5) or use --metrics dice iou"
        )
    results = {}
    loaded: list = []

    def arrays() -> list:
        """Both volumes in memory, read once (blockwise evaluation never reads them whole)."""
        if not loaded:
            loaded.extend([prediction_volume.read(), label_volume.read()])
            bar.update(2)
        return loaded

    if semantic:
        prediction, label = arrays()
        results.update(evaluate_semantic(prediction, label, semantic, threshold=args.threshold))
    bar.update(1)
    if instance and _chunked(args, prediction_volume, label_volume):
        from connectomics.data.blockwise import Engine, evaluate_blockwise

        engine = Engine(scheduler=args.scheduler)
        block = args.block_size or 128
        results.update(evaluate_blockwise(prediction_volume, label_volume, instance, block, engine))
    elif instance:
        prediction, label = arrays()
        results.update(evaluate_instances(prediction, label, instance))
    bar.update(1)
    bar.close()
    print(format_report(results))
    if args.json:
        write_report(results, args.json)
    return 0


def _chunked(args: argparse.Namespace, prediction: object, label: object) -> bool:
    """Blockwise instance metrics: asked for, or both inputs are chunked stores."""
    from connectomics.data.blockwise import is_chunked

    if args.block_size or args.scheduler:
        return True
    return is_chunked(prediction) and is_chunked(label)


def _apply_threads(overrides: list[str]) -> None:
    """Honour system.num_threads=N; evaluate has no other config keys."""
    from connectomics.config.errors import ConfigError

    for item in overrides:
        key, _, value = item.partition("=")
        if key != "system.num_threads" or not value.isdigit() or int(value) < 1:
            raise ConfigError(
                f"evaluate takes only system.num_threads=N (e.g. system.num_threads=2), "
                f"got {item!r}"
            )
        import torch

        torch.set_num_threads(int(value))
