"""`connectomics train`: fit a model from a config, optionally resuming a checkpoint."""

from __future__ import annotations

import argparse

from connectomics.cli.common import add_config_arguments, existing_file, load_cli_config
from connectomics.cli.quiet import is_verbose


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics train`."""
    add_config_arguments(parser)
    parser.add_argument("--resume", metavar="CKPT", help="continue from this checkpoint")
    parser.add_argument(
        "--init-from",
        metavar="CKPT",
        help="fine-tune: start from these weights (path or URL#sha256=...), fresh optimizer; "
        "same as model.init_from=CKPT",
    )


def run(args: argparse.Namespace) -> int:
    """Train; the resolved config is saved in the run folder and in every checkpoint."""
    if args.init_from:
        args.overrides = [*args.overrides, f"model.init_from={args.init_from}"]
    cfg = load_cli_config(args)
    if args.resume:  # whether its weights fit is checked by the trainer's fit, before writing
        existing_file(args.resume, "checkpoint to resume")
        from connectomics.lightning.checkpoint_io import check_resume_checkpoint

        check_resume_checkpoint(args.resume)
    if cfg.model.init_from and "://" not in str(cfg.model.init_from):
        from connectomics.lightning.finetune import resolve_source

        resolve_source(str(cfg.model.init_from))  # a missing file ends here, before any setup
    from pytorch_lightning import seed_everything

    from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer

    seed_everything(cfg.system.seed)
    datamodule = ConnectomicsDataModule(cfg)
    module = ConnectomicsModule(cfg)
    trainer = create_trainer(cfg, resume=bool(args.resume), enable_model_summary=is_verbose())
    trainer.fit(module, datamodule=datamodule, ckpt_path=args.resume, weights_only=True)
    best = getattr(trainer.checkpoint_callback, "best_model_path", "")
    if best:
        print(f"best checkpoint: {best}")
    return 0
