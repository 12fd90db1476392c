"""`connectomics export-volume`: a volume as neuroglancer precomputed or OME-Zarr, with scales."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

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
    parser.add_argument(
        "--meshes",
        action="store_true",
        help="with --format precomputed and a segmentation: also write a neuroglancer mesh of "
        "every nonzero segment (zmesh, in nm, into DIR/mesh)",
    )
    parser.add_argument(
        "--mesh-reduction",
        type=_reduction,
        default=0,
        metavar="FACTOR",
        help="with --meshes: simplify each mesh to about 1/FACTOR of its triangles, no vertex "
        "moved by more than one voxel (slower; default 0, not simplified)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")


def _reduction(text: str) -> int:
    """Parse --mesh-reduction: a whole number, 0 or more."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number 0 or more, got {text!r}")
    return int(text)


def run(args: argparse.Namespace) -> int:
    """Export block by block with downsampled scales; the output appears only when complete."""
    from connectomics.data.errors import DataError

    existing_file(str(file_part(args.input)), "input volume")
    output = Path(args.output)
    refuse_output_on_input(output, args.input)
    refuse_clobber(output, args.overwrite)
    if args.format == "ome-zarr" and not str(output).endswith(".ome.zarr"):
        raise DataError(f"--format ome-zarr writes a folder ending in .ome.zarr, not {output}")
    if args.meshes and args.format != "precomputed":
        raise DataError("--meshes writes neuroglancer meshes: use it with --format precomputed")
    if args.mesh_reduction and not args.meshes:
        raise DataError("--mesh-reduction simplifies the meshes of --meshes: give --meshes too")
    from connectomics.data.io import open_volume_auto
    from connectomics.data.io.voxel_size import describe_voxel_size, output_voxel_size

    volume = open_volume_auto(args.input, ["raw", "segmentation", "prediction"], option="INPUT")
    given = _parse_voxel_size(args.voxel_size) if args.voxel_size else None
    voxel_size, origin = output_voxel_size(given, volume)
    print(describe_voxel_size(voxel_size, "--voxel-size" if given else origin))
    from connectomics.data.io.ngff import layer_kind

    kind = args.kind or layer_kind(volume.dtype)
    if args.meshes and kind != "segmentation":
        raise DataError(
            f"--meshes needs a segmentation; {args.input} is exported as an {kind} "
            "(give --kind segmentation if it holds integer ids)"
        )
    if args.format == "precomputed":
        return _export_precomputed(args, volume, output, voxel_size, kind)
    from connectomics.data.io.writing import write_ome_zarr

    labels = kind == "segmentation"
    write_ome_zarr(output, volume, voxel_size, labels=labels, overwrite=args.overwrite)
    print(f"{'labels' if labels else 'image'} written to {output} as OME-Zarr")
    return 0


def _export_precomputed(
    args: argparse.Namespace, volume: Any, output: Path, voxel_size: Any, kind: str
) -> int:
    """The precomputed layer, with meshes when asked, swapped in once complete."""
    import time

    from connectomics.data.io.meshes import MESH_DIR, write_meshes
    from connectomics.data.io.precomputed import export_precomputed
    from connectomics.data.io.writing import replace_path

    scales: list = []
    meshed: list[tuple[int, float]] = []

    def write(tmp: Path) -> None:
        scales.extend(export_precomputed(volume, tmp, voxel_size, kind))
        if args.meshes:
            start = time.perf_counter()
            meshed.append((write_meshes(tmp, args.mesh_reduction), time.perf_counter() - start))

    replace_path(output, write)
    sizes = ", ".join("x".join(str(n) for n in s["size"]) for s in scales)
    print(f"{kind} written to {output} as precomputed, {len(scales)} scales (x y z: {sizes})")
    for count, seconds in meshed:
        print(f"meshes of {count} segments written to {output / MESH_DIR} in {seconds:.1f} s")
    return 0


def _parse_voxel_size(text: str) -> tuple[float, float, float]:
    from connectomics.data.planning.fingerprint import parse_voxel_size

    return parse_voxel_size(text)
