"""`connectomics export`: a checkpoint as TorchScript, ONNX or a BioImage Model Zoo package."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from connectomics.cli.common import existing_file
from connectomics.cli.safety import refuse_clobber, refuse_output_on_input

FORMATS = ("torchscript", "onnx", "bioimageio")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics export`."""
    parser.add_argument("--checkpoint", required=True, metavar="CKPT", help="trained checkpoint")
    parser.add_argument("--format", required=True, choices=FORMATS, help="export format")
    parser.add_argument("--output", required=True, metavar="PATH", help="file to write")
    parser.add_argument(
        "--test-input",
        metavar="VOLUME",
        help="bioimageio: volume whose first window becomes the package's test input "
        "(default: the config's data.test_image or data.train_image when it exists)",
    )
    parser.add_argument("--name", help="bioimageio: model name (default: experiment_name)")
    parser.add_argument(
        "--author", action="append", help="bioimageio: an author's name (repeatable)"
    )
    parser.add_argument(
        "--license", default="CC-BY-4.0", help="bioimageio: SPDX licence id of the weights"
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")


def run(args: argparse.Namespace) -> int:
    """Export; the output is checked (ONNX checker, bioimageio validation) before reporting."""
    existing_file(args.checkpoint, "checkpoint")
    final = Path(args.output)
    refuse_output_on_input(final, args.checkpoint, args.test_input)
    refuse_clobber(final, args.overwrite)
    if final.is_dir():
        raise FileExistsError(f"{final} is a folder; give a file path for the exported model")
    from connectomics.lightning.export import load_export_source

    source = load_export_source(args.checkpoint)
    # Written beside and swapped in when complete: an old export survives a failed one.
    output = final.with_name(f".{final.stem}.partial{final.suffix}")
    try:
        _export(args, source, output)
        os.replace(output, final)
    finally:
        output.unlink(missing_ok=True)
    print(f"{args.format} model written to {final}")
    return 0


def _export(args: argparse.Namespace, source, output: Path) -> None:
    """Write the export of `source` in args.format to `output`."""
    try:
        if args.format == "torchscript":
            from connectomics.lightning.export import export_torchscript

            export_torchscript(source, output)
        elif args.format == "onnx":
            from connectomics.lightning.export import export_onnx

            export_onnx(source, output)
        else:
            from connectomics.lightning.export import export_bioimageio

            export_bioimageio(
                source,
                output,
                name=args.name,
                authors=args.author,
                license=args.license,
                test_image=_test_image(args.test_input, source.cfg),
            )
    except ImportError as exc:  # the optional [export] extra is missing
        raise FileNotFoundError(str(exc)) from exc


def _test_image(volume: str | None, cfg):
    """The first window of `volume` (or of the config's test/train image when it exists)."""
    from connectomics.data.io import open_volume_auto

    candidates = [volume] if volume else [cfg.data.test_image, cfg.data.train_image]
    for candidate in candidates:
        if isinstance(candidate, list | tuple) or (
            candidate is not None and not isinstance(candidate, str)
        ):
            candidate = next(iter(candidate), None)
        if candidate is None:
            continue
        path = str(candidate).split(":")[0]
        if not Path(path).exists():
            if volume:
                existing_file(path, "--test-input volume")
            continue
        # TIFF, .npy and PNG folders hold one array: the config's image key names an array in
        # an HDF5 file or Zarr group only
        option = "--test-input" if volume else "data.test_image/data.train_image"
        image = open_volume_auto(str(candidate), [cfg.data.image_key], option=option)
        window = cfg.inference.window_size or cfg.data.patch_size
        return image[tuple(slice(0, int(w)) for w in window)]
    return None
