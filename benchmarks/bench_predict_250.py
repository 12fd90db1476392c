"""`predict` of a 250^3 volume at PyTC's model size, one run per process (for side-by-side runs).

Run with any checkout's interpreter, e.g. interleaved against a worktree of an older commit:
    /work/wt/ref/.venv/bin/python benchmarks/bench_predict_250.py --label ref
    .venv/bin/python benchmarks/bench_predict_250.py --label new
Prints one JSON line: wall and CPU seconds, peak RSS, load averages and the machine. Not a test.
It only uses APIs older commits have (load_config, build_model, options_from_config,
predict_volume), so the same script times both.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from machine import cpu_seconds, load, machine, peak_rss_gib  # noqa: E402

# PyTC's RSUNet size (issue 25): rsunet at filters [16, 32, 64, 128], 3 affinities, 32 x 128 x 128.
PYTC_SIZE = [
    "model.architecture=rsunet",
    "model.filters=[16,32,64,128]",
    "model.out_channels=3",
    "data.targets.0.kwargs.offsets=[[1,0,0],[0,1,0],[0,0,1]]",
    "data.patch_size=[32,128,128]",
]


def _predictor(cfg):
    """predict_volume with the config's options and sigmoid outputs, in this commit's API
    (typed InferenceOptions now, a keyword dict in older commits)."""
    import dataclasses

    import connectomics.data.inference as inference

    if hasattr(inference, "InferenceOptions") and hasattr(
        inference.InferenceOptions, "from_config"
    ):
        options = dataclasses.replace(
            inference.InferenceOptions.from_config(cfg), activation=("sigmoid",)
        )
        return lambda model, image: inference.predict_volume(model, image, options=options)
    keywords = {**inference.options_from_config(cfg), "activation": "sigmoid"}
    return lambda model, image: inference.predict_volume(model, image, **keywords)


def main() -> None:
    """Build the model, predict the volume once, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="run")
    parser.add_argument("--size", type=int, default=250)
    parser.add_argument("--overlap", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "2")))
    parser.add_argument("overrides", nargs="*", help="extra config overrides")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from connectomics.config import load_config
    from connectomics.models import build_model

    cfg = load_config(
        "neurons_cpu", overrides=[*PYTC_SIZE, f"inference.overlap={args.overlap}", *args.overrides]
    )
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    image = np.random.default_rng(0).random((args.size,) * 3, dtype=np.float32)
    predict = _predictor(cfg)
    load_start, cpu_start, start = load(), cpu_seconds(), time.perf_counter()
    prediction = predict(model, image)
    wall = time.perf_counter() - start
    record = {
        "label": args.label,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu_seconds() - cpu_start, 2),
        "peak_rss_gib": round(peak_rss_gib(), 3),
        "load_start": load_start,
        "load_end": load(),
        "overlap": args.overlap,
        "size": args.size,
        "checksum": float(np.float64(prediction.astype(np.float64).mean())),
        "machine": machine(),
    }
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
