"""`connectomics demo`: the whole cycle on a small synthetic volume, no data needed.

Generates an EM-like mitochondria volume, trains on its first part on the CPU, predicts the
held-out part with sliding windows, decodes instances, evaluates the trained and the untrained
model, and writes volumes, scores and a PNG preview.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

DEMO_SHAPE = (64, 96, 96)
# z ranges of the one generated volume: training, validation (checkpoint choice), held-out test
PARTS = {"train": slice(0, 32), "val": slice(32, 48), "test": slice(48, 64)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics demo`."""
    parser.add_argument(
        "--out", default="connectomics_demo", help="output folder (default: connectomics_demo)"
    )
    parser.add_argument(
        "--max-epochs",
        type=int,
        default=None,
        help="training epochs (default: the demo tutorial's)",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an earlier demo run in --out"
    )
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides")


def run(args: argparse.Namespace) -> int:
    """Generate, train, predict, decode, evaluate, preview."""
    out = Path(args.out)
    if out.exists() and any(out.iterdir()) and not args.overwrite:
        raise FileExistsError(f"{out} already holds a demo run; pass --overwrite or choose --out")
    import shutil

    from connectomics.config import load_config

    load_config("demo", overrides=list(args.overrides))  # a typo fails before anything is deleted
    if args.overwrite and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)

    from connectomics.config import load_config, save_config
    from connectomics.data.io import write_volume
    from connectomics.data.synthetic import make_mitochondria_volume

    image, label = make_mitochondria_volume(shape=DEMO_SHAPE, seed=0)
    data = out / "data"
    overrides = []
    for part, zs in PARTS.items():
        write_volume(str(data / f"{part}.h5"), image[zs], key="raw")
        write_volume(str(data / f"{part}_label.h5"), label[zs], key="label")
        overrides += [
            f"data.{part}_image={data / f'{part}.h5'}",
            f"data.{part}_label={data / f'{part}_label.h5'}",
        ]
    test_part = PARTS["test"]
    overrides += [
        f"logging.save_dir={out / 'run'}",
        f"inference.output_path={out / 'predictions'}",
        *args.overrides,
    ]
    if args.max_epochs is not None:
        overrides.append(f"training.max_epochs={args.max_epochs}")
    cfg = load_config("demo", overrides=overrides)
    save_config(cfg, out / "config.yaml")

    import numpy as np
    import torch
    from pytorch_lightning import seed_everything

    from connectomics.data.decoding import build_decoder
    from connectomics.data.evaluation import evaluate_instances, evaluate_semantic
    from connectomics.data.inference import options_from_config, predict_volume
    from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer

    seed_everything(cfg.system.seed, workers=True)
    if cfg.system.num_threads:
        torch.set_num_threads(cfg.system.num_threads)
    module = ConnectomicsModule(cfg)
    options = options_from_config(cfg)
    held_out = image[test_part]
    truth = label[test_part]
    decoder = build_decoder(cfg)

    def score(model) -> tuple[dict, np.ndarray, np.ndarray]:
        model.eval()
        with torch.no_grad():
            prediction = predict_volume(model, held_out, **options)
        segmentation = decoder(prediction)
        scores = evaluate_semantic(prediction[0], truth > 0, ["dice", "iou"])
        scores.update(evaluate_instances(segmentation, truth, ["adapted_rand", "voi", "ap"]))
        return scores, prediction, segmentation

    before, _, _ = score(module.model)

    start = time.perf_counter()
    trainer = create_trainer(cfg)
    trainer.fit(module, datamodule=ConnectomicsDataModule(cfg))
    seconds = time.perf_counter() - start

    after, prediction, segmentation = score(module.model)
    write_volume(
        str(out / "predictions" / "test_prediction.h5"),
        prediction.astype(np.float32),
        key="prediction",
    )
    write_volume(
        str(out / "predictions" / "test_segmentation.h5"), segmentation, key="segmentation"
    )
    _preview(out / "preview.png", held_out, truth, segmentation)

    print(f"{'metric':24s} {'untrained':>10s} {'trained':>10s}")
    for name in after:
        if name in before:
            print(f"{name:24s} {before[name]:10.3f} {after[name]:10.3f}")
    print(
        f"trained {trainer.current_epoch} epochs ({trainer.global_step} steps) in {seconds:.0f} s"
    )
    print(f"outputs: {out}/ (predictions/, run/, preview.png, config.yaml)")
    return 0


def _preview(path: Path, image, truth, segmentation) -> None:
    """Middle slice: image | ground truth | prediction, instances in random colours."""
    import imageio.v3 as iio
    import numpy as np

    z = image.shape[0] // 2
    rng = np.random.default_rng(0)

    def colour(labels):
        palette = rng.integers(60, 255, size=(int(labels.max()) + 1, 3), dtype=np.uint8)
        palette[0] = 0
        return palette[labels]

    gray = np.repeat(image[z][..., None], 3, axis=-1).astype(np.uint8)
    panel = np.concatenate([gray, colour(truth[z]), colour(segmentation[z])], axis=1)
    iio.imwrite(path, panel)
