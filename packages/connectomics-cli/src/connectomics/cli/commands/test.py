"""`connectomics test`: sliding-window prediction, decoding and scores on the test volumes."""

from __future__ import annotations

import argparse

from connectomics.cli.common import add_config_arguments, load_cli_config, load_module


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics test`."""
    add_config_arguments(parser, required=False)
    parser.add_argument("--checkpoint", required=True, metavar="CKPT", help="trained checkpoint")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the predictions, segmentations and scores of an earlier test",
    )


def run(args: argparse.Namespace) -> int:
    """Run trainer.test with the checkpoint's weights and the config's data (the given
    --config, else the checkpoint's own with the overrides)."""
    cfg = load_cli_config(args, checkpoint=args.checkpoint)
    from connectomics.lightning import ConnectomicsDataModule, create_trainer
    from connectomics.lightning.test_stage import refuse_existing_outputs

    refuse_existing_outputs(cfg, args.overwrite)

    module = load_module(args.checkpoint, cfg)
    trainer = create_trainer(cfg, resume=True, logger=False, enable_checkpointing=False)
    trainer.test(module, datamodule=ConnectomicsDataModule(cfg))
    return 0
