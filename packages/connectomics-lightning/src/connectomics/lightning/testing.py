"""Test-time work per volume: decode, write prediction and segmentation, score."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config, EvaluationConfig
from connectomics.data.blockwise import decode_blockwise, engine_from_config, evaluate_blockwise
from connectomics.data.datasets.sources import expand_paths
from connectomics.data.decoding import apply_tuned_decoding, build_decoder
from connectomics.data.errors import DataError
from connectomics.data.evaluation import (
    INSTANCE_METRICS,
    SEMANTIC_METRICS,
    check_metric_names,
    evaluate,
    write_report,
)
from connectomics.data.io import open_volume, write_volume
from connectomics.data.io.paths import split_key


def output_dir(cfg: Config) -> Path:
    """inference.output_path, or {save_dir}/predictions."""
    return Path(cfg.inference.output_path or Path(cfg.logging.save_dir) / "predictions")


def volume_path(cfg: Config, name: str, kind: str) -> Path:
    """Where the `kind` ("prediction", "segmentation") volume of test volume `name` goes."""
    return output_dir(cfg) / f"{name}_{kind}.{cfg.inference.output_format}"


def refuse_input_overwrite(cfg: Config, path: Path) -> None:
    """DataError when an output volume would replace one of the configured input volumes."""

    if not path.exists():
        return
    for stage in ("train", "val", "test"):
        for kind in ("image", "label", "mask"):
            option = f"data.{stage}_{kind}"
            try:
                inputs = expand_paths(getattr(cfg.data, f"{stage}_{kind}"), option)
            except DataError:
                continue
            for item in inputs:
                source = Path(split_key(item)[0])
                if source.exists() and source.resolve().samefile(path.resolve()):
                    raise DataError(
                        f"output {path} is the input {option}={item}; an input is never "
                        "overwritten: set inference.output_path to another folder"
                    )


def score_and_write(cfg: Config, name: str, prediction: np.ndarray, label: Any) -> dict[str, float]:
    """Decode (unless decoding.name is none), write the volumes, and score against the label.

    Semantic metrics score the first channel's probabilities, instance metrics the decoded
    segmentation; the scores also go to `{name}_scores.json` beside the volumes.
    """

    output_dir(cfg).mkdir(parents=True, exist_ok=True)
    for kind in ("prediction", "segmentation"):
        refuse_input_overwrite(cfg, volume_path(cfg, name, kind))
    write_volume(
        str(volume_path(cfg, name, "prediction")), prediction, key="prediction", overwrite=True
    )
    segmentation = None
    blockwise = bool(cfg.decoding.block_size) and cfg.inference.output_format == "zarr"
    decode_cfg = with_tuned_decoding(cfg)
    if cfg.decoding.name not in (None, "none") and blockwise:
        segmentation = _decode_blockwise(decode_cfg, name)
    elif cfg.decoding.name not in (None, "none"):
        segmentation = build_decoder(decode_cfg)(prediction)
        write_volume(
            str(volume_path(cfg, name, "segmentation")),
            segmentation,
            key="segmentation",
            overwrite=True,
        )
    if label is None or not cfg.evaluation.enabled:
        return {}
    truth = np.asarray(label if isinstance(label, np.ndarray) else label[...])
    names = check_metric_names(list(cfg.evaluation.metrics))
    semantic = [m for m in names if m in SEMANTIC_METRICS]
    instance = [m for m in names if m in INSTANCE_METRICS]
    section = cfg.evaluation
    scores: dict[str, float] = {}
    if semantic:
        scores.update(evaluate(prediction[0], truth > 0, _with_metrics(section, semantic)))
    if instance:
        if segmentation is None:
            raise ConfigError(
                f"evaluation.metrics has instance metrics ({', '.join(instance)}) but "
                "decoding.name is none; set a decoder (e.g. decoding.name=binary_cc) or keep "
                "only semantic metrics"
            )
        if blockwise:
            engine = engine_from_config(cfg)
            block = list(cfg.decoding.block_size)
            ignore = list(section.ignore_labels or ())
            scores.update(evaluate_blockwise(segmentation, truth, instance, block, engine, ignore))
        else:
            scores.update(evaluate(segmentation, truth, _with_metrics(section, instance)))
    write_report(scores, output_dir(cfg) / f"{name}_scores.json")
    return scores


def with_tuned_decoding(cfg: Config) -> Any:
    """`cfg`, or a copy with the run's tuned decoder parameter (decoding.tune) filled in."""
    if not cfg.decoding.tune.enabled:
        return cfg
    import copy

    tuned = copy.deepcopy(cfg)
    note = apply_tuned_decoding(tuned)
    if note:
        print(f"decoding with {note}")
    return tuned


def _decode_blockwise(cfg: Config, name: str) -> Any:
    """Decode the written prediction store block by block (decoding.block_size); the lazy
    segmentation volume."""

    target = f"{volume_path(cfg, name, 'segmentation')}:segmentation"
    decode_blockwise(
        f"{volume_path(cfg, name, 'prediction')}:prediction",
        target,
        cfg.decoding.name,
        list(cfg.decoding.block_size),
        engine_from_config(cfg),
        overwrite=True,
        **cfg.decoding.kwargs,
    )
    return open_volume(target)


def _with_metrics(section: EvaluationConfig, metrics: list[str]) -> EvaluationConfig:
    return section.model_copy(update={"metrics": metrics})
