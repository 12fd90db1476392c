"""`connectomics view`: look at volumes in a local neuroglancer viewer."""

from __future__ import annotations

import argparse


def voxel_size_argument(text: str) -> tuple[float, float, float]:
    """Parse "Z,Y,X" (nm) into three positive floats."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 3 or min(values) <= 0:
        raise argparse.ArgumentTypeError(
            f"expected three positive numbers Z,Y,X in nm, got {text!r}"
        )
    return values  # type: ignore[return-value]


def kinds_argument(text: str | None, volumes: list[str]) -> list[str] | None:
    """Split --kind into one kind per volume (checked when each volume is opened)."""
    from connectomics.data.errors import DataError

    if text is None:
        return None
    kinds = [k.strip() for k in text.split(",")]
    if len(kinds) != len(volumes):
        raise DataError(
            f"--kind gives {len(kinds)} kind(s) for {len(volumes)} volume(s); give one per "
            "volume, in their order (auto to guess one)"
        )
    return kinds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics view`."""
    parser.add_argument(
        "volumes",
        nargs="+",
        metavar="VOLUME",
        help="volumes as other commands take them (file.h5:key, store.zarr, store.ome.zarr, "
        "store.zarr:array, stack.tif), one layer each in this order; unless --kind says: "
        "uint8/float (Z, Y, X) is an image, (C, Z, Y, X) a prediction (first three channels as "
        "red, green, blue), other integers segment labels",
    )
    parser.add_argument(
        "--kind",
        metavar="KIND[,KIND...]",
        help="the layer kind of each volume, comma-separated in the order of the volumes: image, "
        "prediction, segmentation, or auto to guess it from the dtype and channels as above "
        "(e.g. --kind image,auto,segmentation for a uint16 EM image first)",
    )
    parser.add_argument(
        "--voxel-size",
        type=voxel_size_argument,
        metavar="Z,Y,X",
        help="voxel size in nm for every volume (default: what each file records; 1 nm when a "
        "file records none)",
    )
    parser.add_argument(
        "--screenshot",
        metavar="FILE.png",
        help="render once in headless Chromium, write this PNG and exit (instead of serving)",
    )
    parser.add_argument(
        "--size",
        default="1024,768",
        metavar="W,H",
        help="screenshot size in pixels (default 1024,768)",
    )
    parser.add_argument(
        "--bind", default="127.0.0.1", help="address to serve on (default 127.0.0.1, this machine)"
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: a random free one)")


def run(args: argparse.Namespace) -> int:
    """Open the volumes lazily, start the viewer, print its URL; serve or take one screenshot."""
    import sys
    import time

    from connectomics.data.errors import DataError
    from connectomics.data.view import layer_specs, open_viewer, save_screenshot

    size = tuple(int(v) for v in args.size.split(",") if v.strip().isdigit())
    if len(size) != 2 or min(size) <= 0:
        raise DataError(f"--size: expected W,H in pixels, got {args.size!r}")
    if args.screenshot and not args.screenshot.lower().endswith(".png"):
        raise DataError(f"--screenshot: give a .png path, got {args.screenshot!r}")
    specs = layer_specs(args.volumes, args.voxel_size, kinds_argument(args.kind, args.volumes))
    for spec in specs:
        if spec.voxel_size is None:
            print(
                f"note: {spec.name} records no voxel size; shown at 1 nm per voxel "
                "(give --voxel-size Z,Y,X)",
                file=sys.stderr,
            )
    viewer = open_viewer(specs, args.bind, args.port)
    for spec in specs:
        where = "x".join(f"{v:g}" for v in spec.voxel_size or (1, 1, 1))
        print(f"layer {spec.name}: {spec.kind}, {where} nm", file=sys.stderr)
    if args.screenshot:
        path = save_screenshot(viewer, args.screenshot, size)  # type: ignore[arg-type]
        print(f"wrote {path}")
        return 0
    print(viewer.get_viewer_url(), flush=True)
    print("serving; press Ctrl-C to stop", file=sys.stderr, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0
