"""`connectomics adapt`: mean-teacher fine-tuning of a checkpoint on an unlabeled volume."""

from __future__ import annotations

import argparse
from pathlib import Path

from connectomics.cli.common import existing_file


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics adapt`."""
    parser.add_argument("--checkpoint", required=True, metavar="CKPT", help="trained checkpoint")
    parser.add_argument(
        "--input",
        required=True,
        metavar="VOLUME",
        help="unlabeled target volume: file.h5[:key], store.zarr[:key] or file.tif",
    )
    parser.add_argument(
        "--output",
        metavar="CKPT",
        help="adapted checkpoint (default: <checkpoint stem>-adapted.ckpt beside the checkpoint)",
    )
    parser.add_argument("--steps", type=int, default=200, help="optimizer steps (default 200)")
    parser.add_argument("--lr", type=float, default=1e-4, help="learning rate (default 1e-4)")
    parser.add_argument(
        "--teacher-decay",
        type=float,
        default=0.99,
        help="EMA decay of the teacher per step (default 0.99)",
    )


def run(args: argparse.Namespace) -> int:
    """Adapt the checkpoint and write the adapted one."""
    from connectomics.config.errors import ConfigError

    checkpoint = existing_file(args.checkpoint, "checkpoint")
    if args.steps < 1:
        raise ConfigError(f"--steps must be >= 1, got {args.steps}")
    if not 0.0 < args.lr < float("inf"):  # also false for nan
        raise ConfigError(f"--lr must be a positive finite number, e.g. --lr 1e-4, got {args.lr}")
    if not 0.0 < args.teacher_decay < 1.0:
        raise ConfigError(f"--teacher-decay must lie in (0, 1), got {args.teacher_decay}")
    output = Path(args.output or checkpoint.with_name(f"{checkpoint.stem}-adapted.ckpt"))
    if output.resolve() == checkpoint.resolve():
        raise ConfigError("--output must differ from --checkpoint (it would be overwritten)")
    from connectomics.data.io import open_volume_auto
    from connectomics.lightning.adapt import adapt
    from connectomics.lightning.module import ConnectomicsModule

    image_key = ConnectomicsModule.load_from_checkpoint(str(checkpoint)).cfg.data.image_key
    volume = open_volume_auto(str(args.input), [image_key], option="--input")
    adapt(checkpoint, volume, output, args.steps, args.lr, args.teacher_decay)
    print(f"adapted checkpoint: {output}")
    return 0
