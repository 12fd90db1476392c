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
        "--threshold",
        type=float,
        help="foreground threshold for semantic metrics (default: evaluation.threshold's)",
    )
    parser.add_argument("--json", help="also write the scores as JSON here")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --json file")
    add_blockwise_arguments(
        parser, "instance metrics (the default for two chunked Zarr/HDF5 inputs):"
    )
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="key=value",
        help="system.num_threads=N (torch threads, as in the other commands)",
    )


def run(args: argparse.Namespace) -> int:
    """Compute the metrics and print them as a table."""
    from functools import partial

    from connectomics.cli.common import progress
    from connectomics.data.blockwise.block_grid import DEFAULT_BLOCK
    from connectomics.data.evaluation import (
        default_metrics,
        evaluate,
        format_report,
        split_metrics,
        write_report,
    )
    from connectomics.data.io import open_volume_auto

    _apply_threads(args.overrides)
    if args.threshold is not None and not 0.0 < args.threshold < 1.0:  # also false for nan
        from connectomics.config import ConfigError

        raise ConfigError(
            f"--threshold {args.threshold} is not a probability in (0, 1); e.g. --threshold 0.5"
        )
    existing_file(args.prediction.split(":")[0], "prediction")
    existing_file(args.label.split(":")[0], "label")
    if args.json:
        refuse_output_on_input(args.json, args.prediction, args.label)
        refuse_clobber(args.json, args.overwrite, "--json file")
    bar = progress(2, "evaluate", unit="step")
    keys = ["segmentation", "prediction"]
    prediction = open_volume_auto(args.prediction, keys, option="--prediction")
    label = open_volume_auto(args.label, ["label"], option="--label")
    metrics = args.metrics or default_metrics(prediction)
    _, instance = split_metrics(metrics)
    contingency = run_lengths = None
    if instance and _chunked(args, prediction, label):
        from connectomics.data.blockwise import Engine, blockwise_contingency
        from connectomics.data.blockwise.run_length import run_lengths_blockwise

        blocks = {"block_size": args.block_size or DEFAULT_BLOCK}
        blocks["engine"] = Engine(scheduler=args.scheduler)
        contingency = partial(blockwise_contingency, **blocks)
        run_lengths = partial(run_lengths_blockwise, **blocks)
    else:  # read once, in memory
        from connectomics.data.sizing import require_memory, volume_bytes

        require_memory(
            f"--prediction {prediction!r} and --label {label!r}",
            # both volumes, plus a working copy of each for the metrics
            2
            * (
                volume_bytes(prediction.shape, prediction.dtype)
                + volume_bytes(label.shape, label.dtype)
            ),
            "evaluating in memory",
            f"evaluate blockwise instead (--block-size {DEFAULT_BLOCK}, on chunked Zarr or HDF5 inputs)",
        )
        prediction, label = prediction.read(), label.read()
    bar.update(1)
    results = evaluate(
        prediction,
        label,
        metrics=metrics,
        threshold=args.threshold,
        contingency=contingency,
        run_lengths=run_lengths,
    )
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
