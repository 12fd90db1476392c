"""Where a run writes: checkpoints, predicted and decoded volumes, and scores (one place)."""

from __future__ import annotations

from pathlib import Path

from connectomics.config.schema import Config

VOLUME_KINDS = ("prediction", "segmentation")


def checkpoint_dir(cfg: Config) -> Path:
    """Folder of the run's checkpoints: checkpoint.dirpath or {save_dir}/checkpoints."""
    return Path(cfg.checkpoint.dirpath or Path(cfg.logging.save_dir) / "checkpoints")


def output_dir(cfg: Config) -> Path:
    """Folder of predictions, segmentations and scores: inference.output_path or
    {save_dir}/predictions."""
    return Path(cfg.inference.output_path or Path(cfg.logging.save_dir) / "predictions")


def volume_file(folder: str | Path, name: str, kind: str, output_format: str) -> Path:
    """`{folder}/{name}_{kind}.{output_format}`; kind is "prediction" or "segmentation"."""
    if kind not in VOLUME_KINDS:
        raise ValueError(f"kind must be one of {VOLUME_KINDS}, got {kind!r}")
    return Path(folder) / f"{name}_{kind}.{output_format}"


def volume_path(cfg: Config, name: str, kind: str) -> Path:
    """Where the `kind` ("prediction", "segmentation") volume of test volume `name` goes."""
    return volume_file(output_dir(cfg), name, kind, cfg.inference.output_format)


def tuned_record_path(cfg: Config) -> Path:
    """Where a run records its tuned decoder parameter: {logging.save_dir}/decoding_tuned.yaml."""
    return Path(str(cfg.logging.save_dir)) / "decoding_tuned.yaml"


def scores_path(cfg: Config, name: str) -> Path:
    """The JSON scores of test volume `name`, beside its volumes."""
    return output_dir(cfg) / f"{name}_scores.json"
