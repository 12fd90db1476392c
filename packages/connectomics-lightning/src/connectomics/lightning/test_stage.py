"""Test-time work per volume: decode, write prediction and segmentation, score."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config
from connectomics.config.target_layout import TargetLayout
from connectomics.data.blockwise import decode_blockwise, engine_from_config
from connectomics.data.blockwise.evaluate import blockwise_contingency
from connectomics.data.blockwise.run_length import run_lengths_blockwise
from connectomics.data.datasets.sources import expand_paths, source_names
from connectomics.data.decoding import apply_tuned_decoding, build_decoder, decoder_arguments
from connectomics.data.errors import DataError
from connectomics.data.evaluation import evaluate, split_metrics, write_report
from connectomics.data.io import open_volume, write_volume
from connectomics.data.io.paths import split_key
from connectomics.lightning.run_paths import (
    VOLUME_KINDS,
    output_dir,
    scores_path,
    tuned_record_path,
    volume_path,
)


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


def planned_test_outputs(cfg: Config) -> list[Path]:
    """Every file `test` writes for the configured test volumes (volumes and scores)."""
    images = expand_paths(cfg.data.test_image, "data.test_image")
    paths = []
    for name in source_names(images):
        paths += [volume_path(cfg, name, kind) for kind in VOLUME_KINDS]
        paths.append(scores_path(cfg, name))
    return paths


def refuse_existing_outputs(cfg: Config, overwrite: bool) -> None:
    """DataError when an earlier `test` left outputs for these volumes, unless `overwrite`."""
    if overwrite:
        return
    found = [path for path in planned_test_outputs(cfg) if path.exists()]
    if found:
        raise DataError(
            f"{found[0]} exists ({len(found)} output(s) of an earlier test in {found[0].parent}); "
            "pass --overwrite to replace them, or set inference.output_path to another folder"
        )


def score_and_write(cfg: Config, name: str, prediction: np.ndarray, label: Any) -> dict[str, float]:
    """Decode (unless decoding.name is none), write the volumes, and score against the label.

    Semantic metrics score the foreground channel's probabilities (TargetLayout), instance metrics the decoded
    segmentation; the scores also go to `{name}_scores.json` beside the volumes.
    """

    output_dir(cfg).mkdir(parents=True, exist_ok=True)
    for kind in ("prediction", "segmentation"):
        refuse_input_overwrite(cfg, volume_path(cfg, name, kind))
    voxel = cfg.data.voxel_size  # the module resolved it from the input when not configured

    def write(kind: str, array: Any) -> None:
        path = str(volume_path(cfg, name, kind))
        write_volume(path, array, key=kind, voxel_size=voxel, overwrite=True)

    write("prediction", prediction)
    segmentation = None
    blockwise = bool(cfg.decoding.block_size) and cfg.inference.output_format == "zarr"
    decode_cfg = with_tuned_decoding(cfg)
    if cfg.decoding.name not in (None, "none") and blockwise:
        segmentation = _decode_blockwise(decode_cfg, name)
    elif cfg.decoding.name not in (None, "none"):
        segmentation = build_decoder(decode_cfg)(prediction)
        write("segmentation", segmentation)
    if label is None or not cfg.evaluation.enabled:
        return {}
    truth = np.asarray(label if isinstance(label, np.ndarray) else label[...])
    _, instance = split_metrics(cfg.evaluation.metrics)
    if instance and segmentation is None:
        raise ConfigError(
            f"evaluation.metrics has instance metrics ({', '.join(instance)}) but "
            "decoding.name is none; set a decoder (e.g. decoding.name=binary_cc) or keep "
            "only semantic metrics"
        )
    contingency = run_lengths = None
    if blockwise:
        blocks = {"block_size": list(cfg.decoding.block_size), "engine": engine_from_config(cfg)}
        contingency = partial(blockwise_contingency, **blocks)
        run_lengths = partial(run_lengths_blockwise, **blocks)
    scores = evaluate(
        prediction[TargetLayout.from_config(cfg).foreground_channel()],
        truth,
        cfg.evaluation,
        segmentation=segmentation,
        contingency=contingency,
        run_lengths=run_lengths,
        voxel_size=cfg.data.voxel_size,
    )
    write_report(scores, scores_path(cfg, name))
    return scores


def with_tuned_decoding(cfg: Config) -> Any:
    """`cfg`, or a copy with the run's tuned decoder parameter (decoding.tune) filled in."""
    if not cfg.decoding.tune.enabled:
        return cfg
    import copy

    tuned = copy.deepcopy(cfg)
    note = apply_tuned_decoding(tuned, tuned_record_path(tuned))
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
        voxel_size=cfg.data.voxel_size,
        **decoder_arguments(cfg)[1],
    )
    return open_volume(target)
