"""Choosing a decoder's threshold on validation data: a small grid scored by adapted Rand.

Agglomeration thresholds depend on how confident the network is, which changes with the
loss, the training time and the data; the best value on held-out labels beats any default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import OmegaConf

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config
from connectomics.data.decoding.registry import decoder_arguments
from connectomics.metrics import adapted_rand_error


@dataclass
class TuningResult:
    """The best value of `parameter` and the adapted Rand error of every value tried."""

    decoder: str
    parameter: str
    value: float
    error: float
    table: list[tuple[float, float]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain mapping (for YAML/JSON records)."""
        return {
            "decoder": self.decoder,
            "parameter": self.parameter,
            "value": self.value,
            "adapted_rand_error": self.error,
            "tried": [{"value": v, "adapted_rand_error": e} for v, e in self.table],
        }


def tune_decoder(
    cfg: Config,
    pairs: Sequence[tuple[np.ndarray, np.ndarray]],
    parameter: str | None = None,
    values: Sequence[float] | None = None,
    progress: Callable[[float, float], None] | None = None,
) -> TuningResult:
    """Best value of the decoder's `parameter` over `values` on (prediction, label) `pairs`.

    The decoder and its other options come from `cfg.decoding` (and the targets), resolved
    through the decoder's spec, which also checks each tried value. The score is the voxel-weighted mean adapted Rand error over the pairs
    (label 0 ignored); ties go to the value listed first.
    """
    spec, arguments = decoder_arguments(cfg)
    name = spec.name
    parameter = parameter or spec.tuned
    if parameter is None:
        raise ConfigError(
            f"decoding.tune.parameter: decoder {name!r} has no default parameter to tune; name one"
        )
    values = [float(v) for v in (values or spec.grid)]
    table: list[tuple[float, float]] = []
    for value in values:
        kwargs = spec.resolve({**arguments, parameter: value}, key="decoding.tune.candidates")
        total, weight = 0.0, 0
        for prediction, label in pairs:
            segmentation = spec.function(prediction, **kwargs)
            voxels = int(np.count_nonzero(label))
            total += adapted_rand_error(segmentation, label).error * voxels
            weight += voxels
        error = total / max(weight, 1)
        table.append((value, error))
        if progress is not None:
            progress(value, error)
    best_value, best_error = min(table, key=lambda row: row[1])
    return TuningResult(name, parameter, best_value, best_error, table)


def write_tuned_record(path: Path, result: TuningResult) -> Path:
    """Record `result` at `path` (YAML; run_paths.tuned_record_path), replacing an earlier one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    OmegaConf.save(OmegaConf.create(result.as_dict()), temporary)
    temporary.replace(path)
    return path


def apply_tuned_decoding(cfg: Config, path: Path) -> str | None:
    """Put the tuned value recorded at `path` into cfg.decoding.kwargs; a note, or None.

    Applies when decoding.tune.enabled, the record exists for the configured decoder, and
    decoding.kwargs does not set the parameter itself (an explicit value always wins).
    """
    if not cfg.decoding.tune.enabled:
        return None
    if not path.is_file():
        return None
    record = OmegaConf.load(path)
    parameter = str(record.parameter)
    if str(record.decoder) != str(cfg.decoding.name) or parameter in (cfg.decoding.kwargs or {}):
        return None
    cfg.decoding.kwargs = {**(cfg.decoding.kwargs or {}), parameter: float(record.value)}
    return (
        f"decoding.kwargs.{parameter}={float(record.value):g} (tuned on the validation volumes, "
        f"adapted Rand error {float(record.adapted_rand_error):.4f}; {path})"
    )
