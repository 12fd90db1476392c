"""`connectomics demo`: the whole cycle on a small synthetic volume, no data needed.

Generates an EM-like mitochondria volume, trains on its first part on the CPU, and runs the
trainer's test stage (sliding-window prediction, decoding, evaluation: the code `connectomics
test` runs) on the held-out part before and after training. Writes volumes, scores, the loss
curve and a captioned figure.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily at run time, for a fast --help
    from connectomics.config import Config


DEMO_SHAPE = (64, 96, 96)
# z ranges of the one generated volume: training, validation (checkpoint choice), held-out test
PARTS = {"train": slice(0, 32), "val": slice(32, 48), "test": slice(48, 64)}
METRICS = ["dice", "iou", "adapted_rand", "voi", "ap"]
SHOWN = ["dice", "ap50", "adapted_rand", "voi", "n_pred_instances", "n_gt_instances"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `connectomics demo`."""
    parser.add_argument(
        "--out", default="connectomics_demo", help="output folder (default: connectomics_demo)"
    )
    parser.add_argument(
        "--max-epochs",
        type=_positive_int,
        default=None,
        help="training epochs (default: the demo tutorial's)",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an earlier demo run in --out"
    )
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides")


def _write_data(out: Path, seed: int) -> list[str]:
    """The synthetic volume split into train/val/test HDF5 files; their config overrides."""
    from connectomics.data.io import write_volume
    from connectomics.data.synthetic import make_mitochondria_volume

    # separated objects, as mitochondria in EM: touching ones would need more training to split
    image, label = make_mitochondria_volume(shape=DEMO_SHAPE, seed=seed, n_objects=150, min_gap=2.0)
    data = out / "data"
    overrides = []
    for part, zs in PARTS.items():
        write_volume(str(data / f"{part}.h5"), image[zs], key="raw")
        write_volume(str(data / f"{part}_label.h5"), label[zs], key="label")
        overrides += [
            f"data.{part}_image={data / f'{part}.h5'}",
            f"data.{part}_label={data / f'{part}_label.h5'}",
        ]
    return overrides


# Everything the demo writes at the top of --out: --overwrite deletes a folder holding only these.
DEMO_OUTPUTS = frozenset({"data", "run", "predictions", "config.yaml", "demo.png"})


def run(args: argparse.Namespace) -> int:
    """Generate, score untrained, train, score trained (trainer.test), draw the figure."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        from connectomics.config.errors import ConfigError

        raise ConfigError(f"--out {out} is a file, not a folder; choose another --out folder")
    if out.exists() and any(out.iterdir()) and not args.overwrite:
        raise FileExistsError(f"{out} already holds a demo run; pass --overwrite or choose --out")
    import shutil

    from connectomics.cli.common import load_checked_config
    from connectomics.cli.quiet import is_verbose

    load_checked_config(
        "demo", overrides=list(args.overrides)
    )  # a typo fails before anything is deleted
    if args.overwrite and out.exists():
        foreign = sorted(p.name for p in out.iterdir() if p.name not in DEMO_OUTPUTS)
        if foreign:
            raise FileExistsError(
                f"{out} holds {', '.join(foreign[:3])}{' ...' if len(foreign) > 3 else ''}, "
                "which the demo did not write; --overwrite only replaces a demo run: choose "
                "another --out"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)

    from connectomics.cli.common import apply_num_threads
    from connectomics.config import save_config

    overrides = [
        *_write_data(out, seed=0),
        f"logging.save_dir={out / 'run'}",
        f"inference.output_path={out / 'predictions'}",
        f"evaluation.metrics=[{','.join(METRICS)}]",
        *args.overrides,
    ]
    if args.max_epochs is not None:
        overrides.append(f"training.max_epochs={args.max_epochs}")
    cfg = load_checked_config("demo", overrides=overrides)
    apply_num_threads(cfg)

    from pytorch_lightning import seed_everything

    from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer

    seed_everything(cfg.system.seed)
    module = ConnectomicsModule(cfg)
    datamodule = ConnectomicsDataModule(cfg)
    before = _test(cfg, module, datamodule)

    losses = _loss_recorder()
    start = time.perf_counter()
    trainer = create_trainer(cfg, callbacks=[losses], enable_model_summary=is_verbose())
    trainer.fit(module, datamodule=datamodule)  # BatchNorm trains: the module is in train mode
    seconds = time.perf_counter() - start
    after = _test(cfg, module, datamodule)
    save_config(module.cfg, out / "config.yaml")

    _figure(out / "demo.png", cfg, losses.values)
    print(f"{'metric':24s} {'untrained':>10s} {'trained':>10s}")
    for name in SHOWN:
        if name in after and name in before:
            print(f"{name:24s} {before[name]:10.3f} {after[name]:10.3f}")
    print(
        f"trained {trainer.current_epoch} epochs ({trainer.global_step} steps) in {seconds:.0f} s"
    )
    print(f"outputs: {out}/ (predictions/, run/, demo.png, config.yaml)")
    return 0


def _test(cfg: Config, module: Any, datamodule: Any) -> dict[str, float]:
    """Scores of the trainer's test stage on the held-out part (prediction files written)."""
    from connectomics.lightning import create_trainer

    tester = create_trainer(cfg, resume=True, logger=False, enable_checkpointing=False)
    results = tester.test(module, datamodule=datamodule, verbose=False)[0]
    return {key.removeprefix("test/"): float(value) for key, value in results.items()}


def _loss_recorder() -> Any:
    """A callback keeping the training loss of every optimizer step (in `.values`)."""
    from pytorch_lightning import Callback

    class LossRecorder(Callback):
        def __init__(self) -> None:
            super().__init__()
            self.values: list[float] = []

        def on_train_batch_end(self, trainer: Any, module: Any, outputs: Any, *_: Any) -> None:
            loss = outputs["loss"] if isinstance(outputs, dict) else outputs
            if loss is not None:
                self.values.append(float(loss))

    return LossRecorder()


def _figure(path: Path, cfg: Config, losses: list[float]) -> None:
    """Middle test section: raw, ground truth, prediction, segmentation, plus the loss curve."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from connectomics.data.io import read_volume
    from connectomics.lightning.run_paths import volume_path

    image = read_volume(str(cfg.data.test_image), key="raw")
    truth = read_volume(str(cfg.data.test_label), key="label")
    prediction = read_volume(str(volume_path(cfg, "test", "prediction")), key="prediction")
    segmentation = read_volume(str(volume_path(cfg, "test", "segmentation")), key="segmentation")
    z = image.shape[0] // 2
    rng = np.random.default_rng(0)

    def colour(labels: np.ndarray) -> np.ndarray:
        palette = rng.integers(60, 255, size=(int(labels.max()) + 1, 3), dtype=np.uint8)
        palette[0] = 0
        return palette[labels]

    panels = [
        (image[z], "raw EM section", "gray"),
        (colour(truth[z]), f"ground truth ({len(np.unique(truth)) - 1} instances)", None),
        (prediction[0, z], "predicted foreground probability", "magma"),
        (colour(segmentation[z]), f"segmentation ({int(segmentation.max())} instances)", None),
    ]
    fig, axes = plt.subplots(1, 5, figsize=(20, 4.4), dpi=80)
    for ax, (data, title, cmap) in zip(axes, panels):
        ax.imshow(data, cmap=cmap, interpolation="nearest")
        ax.set_title(title, fontsize=12)
        ax.axis("off")
    axes[4].plot(np.arange(1, len(losses) + 1), losses, color="tab:blue")
    axes[4].set_title("training loss", fontsize=12)
    axes[4].set_xlabel("optimizer step")
    axes[4].grid(alpha=0.3)
    fig.suptitle(f"connectomics demo: held-out section z={z}", fontsize=14)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _positive_int(text: str) -> int:
    """argparse type: an epoch count of at least 1 (a demo never trains without a limit)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
