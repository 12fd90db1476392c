"""`connectomics decode`: turn a prediction volume into an instance segmentation."""

from __future__ import annotations

import argparse

from connectomics.cli.common import existing_file
from connectomics.cli.safety import refuse_output_on_input


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics decode`."""
    parser.add_argument(
        "--input", required=True, help="prediction volume (C, Z, Y, X), e.g. pred.zarr"
    )
    parser.add_argument(
        "--output", required=True, help="segmentation to write (.h5, .zarr, .tif, .npy)"
    )
    parser.add_argument("--config", help="config whose decoding section is used")
    parser.add_argument("--decoder", help="decoder name (overrides the config's decoding.name)")
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="key=value",
        help="config overrides, e.g. decoding.kwargs.threshold=0.6",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")


def run(args: argparse.Namespace) -> int:
    """Read the prediction, decode with the configured decoder, write uint32 labels."""
    from connectomics.config import load_config
    from connectomics.data.decoding import build_decoder
    from connectomics.data.io import read_volume, write_volume

    existing_file(args.input.split(":")[0], "prediction")
    refuse_output_on_input(args.output, args.input)
    from omegaconf import OmegaConf

    decoding = [o for o in args.overrides if o.startswith("decoding.")]
    cfg = load_config(
        args.config or "demo", overrides=[o for o in args.overrides if o not in decoding]
    )
    if args.decoder and args.decoder != cfg.decoding.name:
        # another decoder: the config's kwargs belong to its own decoder
        cfg.decoding.name = args.decoder
        cfg.decoding.kwargs = {}
    if decoding:
        cfg.merge_with(OmegaConf.from_dotlist(decoding))
    segmentation = build_decoder(cfg)(read_volume(args.input))
    write_volume(args.output, segmentation, overwrite=args.overwrite)
    print(f"{int(segmentation.max())} instances written to {args.output}")
    return 0
