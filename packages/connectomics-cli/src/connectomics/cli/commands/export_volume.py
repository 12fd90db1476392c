"""`connectomics export-volume`: a volume as neuroglancer precomputed or OME-Zarr, with scales."""

from __future__ import annotations

import argparse
from pathlib import Path

from connectomics.cli.common import existing_file
from connectomics.cli.safety import file_part, refuse_clobber, refuse_output_on_input

FORMATS = ("precomputed", "ome-zarr")
KINDS = ("image", "segmentation")  # data.io.ngff.KINDS, not imported: --help stays fast


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics export-volume`."""
    parser.add_argument(
        "input",
        metavar="INPUT",
        help="volume to export: file.h5[:key], store.zarr[:key], stack.tif (Z, Y, X) or a "
        "prediction (C, Z, Y, X)",
    )
    parser.add_argument(
        "--output", required=True, metavar="DIR", help="folder to write (e.g. seg_precomputed)"
    )
    parser.add_argument(
        "--format",
        required=True,
        choices=FORMATS,
        help="precomputed: a neuroglancer precomputed layer (tensorstore); ome-zarr: an "
        "OME-Zarr image (DIR ending in .ome.zarr)",
    )
    parser.add_argument(
        "--kind",
        choices=KINDS,
        help="layer kind (default from the dtype: uint8 and floats are images, other integers "
        "segmentations)",
    )
    parser.add_argument(
        "--voxel-size",
        metavar="Z,Y,X",
        help="voxel size in nm (default: the one the input records; else 1 nm per voxel)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")


def run(args: argparse.Namespace) -> int:
    """Export block by block with downsampled scales; the output appears only when complete."""
    from connectomics.data.errors import DataError

    existing_file(str(file_part(args.input)), "input volume")
    output = Path(args.output)
    refuse_output_on_input(output, args.input)
    refuse_clobber(output, args.overwrite)
    if args.format == "ome-zarr" and not str(output).endswith(".ome.zarr"):
        raise DataError(f"--format ome-zarr writes a folder ending in .ome.zarr, not {output}")
    from connectomics.data.io import open_volume_auto
    from connectomics.data.io.voxel_size import describe_voxel_size, output_voxel_size

    volume = open_volume_auto(args.input, ["raw", "segmentation", "prediction"], option="INPUT")
    given = _parse_voxel_size(args.voxel_size) if args.voxel_size else None
    voxel_size, origin = output_voxel_size(given, volume)
    print(describe_voxel_size(voxel_size, "--voxel-size" if given else origin))
    from connectomics.data.io.ngff import layer_kind

    kind = args.kind or layer_kind(volume.dtype)
    if args.format == "precomputed":
        from connectomics.data.io.precomputed import export_precomputed
        from connectomics.data.io.writing import replace_path

        scales: list = []
        replace_path(
            output, lambda tmp: scales.extend(export_precomputed(volume, tmp, voxel_size, kind))
        )
        sizes = ", ".join("x".join(str(n) for n in s["size"]) for s in scales)
        print(f"{kind} written to {output} as precomputed, {len(scales)} scales (x y z: {sizes})")
        return 0
    from connectomics.data.io.writing import write_ome_zarr

    labels = kind == "segmentation"
    write_ome_zarr(output, volume, voxel_size, labels=labels, overwrite=args.overwrite)
    print(f"{'labels' if labels else 'image'} written to {output} as OME-Zarr")
    return 0


def _parse_voxel_size(text: str) -> tuple[float, float, float]:
    from connectomics.data.planning.fingerprint import parse_voxel_size

    return parse_voxel_size(text)
