"""`connectomics decode`: turn a prediction volume into an instance segmentation."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from connectomics.cli.blockwise_args import add_blockwise_arguments
from connectomics.cli.common import existing_file
from connectomics.cli.safety import refuse_output_on_input

if TYPE_CHECKING:  # imported lazily at run time, for a fast --help
    from connectomics.config import Config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics decode`."""
    parser.add_argument(
        "--input",
        required=True,
        help="prediction volume (C, Z, Y, X), e.g. pred.zarr (a store written by predict "
        "opens by its path alone)",
    )
    parser.add_argument(
        "--output",
        required=True,
        help="segmentation to write (.h5, .zarr, .tif, .npy; a path ending in .ome.zarr is "
        "written as OME-Zarr labels with a downsampled pyramid)",
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
    parser.add_argument(
        "--blockwise",
        action="store_true",
        help="decode block by block into a Zarr store (binary_cc, affinity_cc, affinity_waterz); "
        "also chosen by --block-size, decoding.block_size or a prediction above "
        "decoding.memory_budget",
    )
    add_blockwise_arguments(parser, "decode")


def run(args: argparse.Namespace) -> int:
    """Read the prediction, decode with the configured decoder, write uint32 labels."""
    from connectomics.cli.common import load_checked_config
    from connectomics.data.decoding import build_decoder
    from connectomics.data.io import open_volume_auto, write_volume

    existing_file(args.input.split(":")[0], "prediction")
    refuse_output_on_input(args.output, args.input)
    decoding = [o for o in args.overrides if o.startswith("decoding.")]
    from connectomics.cli.common import progress

    bar = progress(3, "decode", unit="step")
    from connectomics.data.io.volume import require_all_chunks

    volume = require_all_chunks(open_volume_auto(args.input, ["prediction"], option="--input"))
    decoder = args.decoder
    if decoder is None and args.config is None:
        decoder = _default_decoder(tuple(volume.shape))
    cfg = load_checked_config(
        args.config or "demo", overrides=[o for o in args.overrides if o not in decoding]
    )
    if decoder and decoder != cfg.decoding.name:
        # another decoder: the config's kwargs belong to its own decoder
        cfg.decoding.name = decoder
        cfg.decoding.kwargs = {}
    if decoding:  # onto the chosen decoder, through the same composition and validation
        from connectomics.config import create_config

        cfg = create_config(cfg, decoding, source=f"{args.config or 'demo'}")
    from connectomics.cli.common import apply_num_threads

    apply_num_threads(cfg)
    from connectomics.data.decoding import apply_tuned_decoding
    from connectomics.lightning.run_paths import tuned_record_path

    # the run's tuned threshold unless the user set one
    note = apply_tuned_decoding(cfg, tuned_record_path(cfg))
    if note:
        print(f"decoding with {note}")
    from connectomics.data.io.voxel_size import describe_voxel_size, output_voxel_size

    # the voxel size of a --config given, else the one the prediction records (predict writes it)
    configured = cfg.data.voxel_size if args.config is not None else None
    voxel_size, origin = output_voxel_size(configured, volume)
    print(describe_voxel_size(voxel_size, origin))
    if _blockwise(args, cfg, volume, voxel_size):
        bar.close()
        return 0
    from connectomics.data.blockwise.block_grid import DEFAULT_BLOCK
    from connectomics.data.sizing import require_in_memory

    # the decoder holds the prediction, a float32 working copy and the uint32 labels
    require_in_memory(
        f"--input {volume!r}",
        volume.shape,
        volume.dtype,
        "decoding in memory",
        f"decode it blockwise instead (--blockwise, or --block-size {DEFAULT_BLOCK})",
        extra_per_voxel=8,
    )
    prediction = volume.read()
    bar.update(1)
    segmentation = build_decoder(cfg)(prediction)
    bar.update(1)
    write_volume(args.output, segmentation, voxel_size=voxel_size, overwrite=args.overwrite)
    bar.update(1)
    bar.close()
    print(f"{int(segmentation.max())} instances written to {args.output}")
    return 0


def _blockwise(
    args: argparse.Namespace, cfg: Config, volume: object, voxel_size: tuple | None
) -> bool:
    """Decode blockwise when asked or when the prediction exceeds decoding.memory_budget."""
    from connectomics.data.blockwise import (
        blockwise_block_size,
        decode_blockwise,
        engine_from_config,
    )
    from connectomics.data.decoding import decoder_arguments

    decoding = cfg.decoding
    block = blockwise_block_size(
        volume, args.block_size or decoding.block_size, decoding.memory_budget, args.blockwise
    )
    if block is None:
        return False
    report = decode_blockwise(
        volume,
        args.output,
        decoding.name,
        block,
        engine_from_config(cfg, args.scheduler),
        overwrite=args.overwrite,
        voxel_size=voxel_size,
        **decoder_arguments(cfg)[1],
    )
    print(
        f"{report.n_objects} instances written to {report.path}:{report.key} "
        f"({report.n_blocks} blocks, {len(report.skipped)} already done)"
    )
    return True


def _default_decoder(shape: tuple[int, ...]) -> str:
    """Without --config or --decoder: connected components of a one-channel prediction."""
    if len(shape) == 3 or shape[0] == 1:
        return "binary_cc"
    from connectomics.data.errors import DataError

    raise DataError(
        f"the prediction has {shape[0]} channels: name the decoder with --decoder (e.g. "
        "affinity_waterz for affinities, binary_contour_watershed for foreground + contour) "
        "or pass the training --config"
    )
