"""`connectomics plan`: a training config planned from the data (fingerprint + budget)."""

from __future__ import annotations

import argparse
import shlex
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics plan`."""
    from connectomics.data.planning.planner import TASKS

    parser.add_argument("--image", required=True, help="image volume (file.h5[:key], zarr, tiff)")
    parser.add_argument("--label", help="its ground truth (instance ids or a 0/1 mask)")
    parser.add_argument("--voxel-size", help="Z,Y,X in nm when the file records none (e.g. 50,4,4)")
    parser.add_argument("--task", required=True, choices=TASKS, help="what to segment")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="training device")
    parser.add_argument(
        "--memory", type=float, help="GiB the run may use (default: half the free memory)"
    )
    parser.add_argument("--time", type=float, help="minutes of training (sets the run length)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    parser.add_argument("--output", required=True, help="the YAML file to write")
    parser.add_argument("--force", action="store_true", help="replace an existing --output")


def run(args: argparse.Namespace) -> int:
    """Fingerprint the data, plan, check the config loads, and write the commented YAML."""
    from pathlib import Path

    import yaml

    from connectomics.config import create_config
    from connectomics.data.errors import DataError
    from connectomics.data.planning.fingerprint import fingerprint, parse_voxel_size
    from connectomics.data.planning.plan_yaml import plan_to_yaml
    from connectomics.data.planning.planner import Budget, make_plan
    from connectomics.data.planning.trial import GIB

    output = Path(args.output)
    if output.exists() and not args.force:
        raise FileExistsError(f"{output} exists; give another --output or --force")
    if args.memory is not None and args.memory <= 0:
        raise DataError(f"--memory {args.memory}: give a positive size in GiB")
    if args.time is not None and args.time <= 0:
        raise DataError(f"--time {args.time}: give a positive number of minutes")
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise DataError("--device cuda: no CUDA device is visible; plan with --device cpu")
    given = parse_voxel_size(args.voxel_size) if args.voxel_size else None
    fp = fingerprint(args.image, args.label, given)
    budget = Budget(
        device=args.device,
        memory_bytes=None if args.memory is None else int(args.memory * GIB),
        minutes=args.time,
        threads=max(1, args.threads),
    )
    plan = make_plan(fp, args.task, budget, args.image, args.label)
    command = "connectomics plan " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    output.parent.mkdir(parents=True, exist_ok=True)
    text = plan_to_yaml(plan, fp, command)
    create_config(yaml.safe_load(text), source="the plan")  # the written YAML loads, or a bug
    output.write_text(text)
    patch = plan.config["data"]["patch_size"]
    print(
        f"plan written to {output}: patch {patch}, batch {plan.config['data']['batch_size']}, "
        f"strides {plan.config['model']['strides']}"
    )
    return 0
