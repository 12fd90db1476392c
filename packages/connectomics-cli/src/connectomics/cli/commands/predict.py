"""`connectomics predict`: predict a volume out of core into a chunked store."""

from __future__ import annotations

import argparse
from pathlib import Path

from connectomics.cli.common import (
    add_config_arguments,
    load_cli_config,
    load_module,
    progress,
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
        "--input",
        metavar="VOLUME",
        help="volume to predict: file.tif, file.h5[:key], store.zarr[:key] or a folder of PNG "
        "slices (default: data.test_image)",
    )
    parser.add_argument(
        "--output",
        metavar="PATH",
        help="output store (.zarr or .h5; a path ending in .ome.zarr is written as "
        "an OME-Zarr image with a downsampled pyramid)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")


def run(args: argparse.Namespace) -> int:
    """Predict one volume chunk by chunk; an interrupted run resumes where it stopped."""
    cfg = load_cli_config(args, checkpoint=args.checkpoint)
    from connectomics.data.inference import predict_to_store
    from connectomics.data.io import open_volume_auto

    source = args.input or _first(cfg.data.test_image)
    if source is None:
        raise FileNotFoundError("no input volume: pass --input VOLUME or set data.test_image")
    option = "--input" if args.input else "data.test_image"
    image = open_volume_auto(str(source), [cfg.data.image_key], option=option)
    from connectomics.lightning.run_paths import volume_path

    stem = Path(str(source).split(":")[0]).stem
    output = args.output or str(volume_path(cfg, stem, "prediction"))
    refuse_output_on_input(output, source)
    module = load_module(args.checkpoint, cfg).eval()
    options = module.inference_options()  # with the checkpoint's normalize_stats
    chunk = list(cfg.inference.chunk_size) if cfg.inference.chunk_size else None
    from connectomics.data.inference.sections import fit_model_to_input

    model, options = fit_model_to_input(
        module.model, tuple(image.shape), options, int(cfg.model.in_channels), option
    )
    from connectomics.data.io.voxel_size import describe_voxel_size, output_voxel_size

    voxel_size, origin = output_voxel_size(cfg.data.voxel_size, image)
    print(describe_voxel_size(voxel_size, origin))
    with progress(0, "predict") as bar:

        def advance(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        report = predict_to_store(
            model,
            image,
            output,
            chunk_size=chunk,
            overwrite=args.overwrite,
            on_chunk=advance,
            options=options,
            voxel_size=voxel_size,
        )
    print(f"prediction written to {output} ({report.n_chunks} chunks of {list(report.chunk_size)})")
    return 0


def _first(value):
    if value is None:
        return None
    if isinstance(value, str):
        return value
    items = list(value)
    return items[0] if items else None
