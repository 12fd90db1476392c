"""`connectomics config show|validate`: print the resolved config or check it."""

from __future__ import annotations

import argparse

from connectomics.cli.common import add_config_arguments, load_cli_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics config`."""
    parser.add_argument(
        "action", choices=["show", "validate"], help="show the resolved YAML or only check it"
    )
    add_config_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Load (which validates) and print the YAML or a one-line OK."""
    from connectomics.config import config_hash, to_yaml

    cfg = load_cli_config(args)
    if args.action == "show":
        from connectomics.config.physical import physical_report

        print(to_yaml(cfg), end="")
        # target sizes both in voxels and in nm (data.voxel_size converts them)
        print("\n".join(physical_report(cfg.data)))
    else:
        print(f"ok: {args.config} is valid (hash {config_hash(cfg)})")
    return 0
