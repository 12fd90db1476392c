"""`connectomics predict`: predict a volume out of core into a chunked store."""

from __future__ import annotations

import argparse
from pathlib import Path

from connectomics.cli.common import (
    add_config_arguments,
    existing_file,
    load_cli_config,
    load_module,
)
from connectomics.cli.safety import refuse_output_on_input


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics predict`."""
    add_config_arguments(parser, required=False)  # default: the checkpoint's own config
    parser.add_argument(
        "--checkpoint",
        required=True,
        metavar="CKPT",
        help="trained checkpoint, or a bioimage.io package (.zip) exported by connectomics",
    )
    parser.add_argument(
        "--input", metavar="VOLUME", help="volume to predict (default: data.test_image)"
    )
    parser.add_argument("--output", metavar="PATH", help="output store (.zarr or .h5)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")


def run(args: argparse.Namespace) -> int:
    """Predict one volume chunk by chunk; an interrupted run resumes where it stopped."""
    if args.config is None:  # the config embedded in the checkpoint or package
        if args.overrides:
            from connectomics.config.errors import ConfigError

            raise ConfigError("key=value overrides need --config (e.g. --config run.yaml)")
        module = load_module(args.checkpoint)
        cfg = module.cfg
    else:
        cfg = load_cli_config(args)
        module = None
    from connectomics.data.inference import options_from_config, predict_to_store
    from connectomics.data.io import open_volume

    source = args.input or _first(cfg.data.test_image)
    if source is None:
        raise FileNotFoundError("no input volume: pass --input or set data.test_image")
    existing_file(
        str(source).split(":")[0] if not Path(str(source)).exists() else str(source), "input volume"
    )
    output = args.output or str(
        Path(cfg.inference.output_path or Path(cfg.logging.save_dir) / "predictions")
        / f"{Path(str(source).split(':')[0]).stem}_prediction.{cfg.inference.output_format}"
    )
    refuse_output_on_input(output, source)
    if module is None:
        module = load_module(args.checkpoint, cfg)
    module.eval()
    options = options_from_config(cfg)
    chunk = list(cfg.inference.chunk_size) if cfg.inference.chunk_size else None
    image = open_volume(str(source), key=cfg.data.image_key if ":" not in str(source) else None)
    predict_to_store(
        module.model, image, output, chunk_size=chunk, overwrite=args.overwrite, **options
    )
    print(f"prediction written to {output}")
    return 0


def _first(value):
    if value is None:
        return None
    if isinstance(value, str):
        return value
    items = list(value)
    return items[0] if items else None
