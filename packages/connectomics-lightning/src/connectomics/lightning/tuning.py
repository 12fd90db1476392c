"""`DecoderTuning`: the decoder's threshold chosen on the validation volumes when fit ends."""

from __future__ import annotations

import logging

import numpy as np
import pytorch_lightning as pl
import torch

from connectomics.config.errors import ConfigError
from connectomics.data.datasets.builders import val_sources
from connectomics.data.decoding import (
    DECODER_REGISTRY,
    TUNED_PARAMETER,
    tune_decoder,
    write_tuned_record,
)

log = logging.getLogger(__name__)


class DecoderTuning(pl.Callback):
    """Predict the validation volumes with the final weights, try decoding.tune.candidates for the
    decoder's parameter, and record the best (lowest adapted Rand error) in the run folder."""

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Refuse a parameter the decoder does not take before training, not after it."""
        import inspect

        decoding = pl_module.cfg.decoding
        name = str(decoding.name)
        parameter = decoding.tune.parameter or TUNED_PARAMETER.get(name)
        decoder = DECODER_REGISTRY.get(name)
        accepted = list(inspect.signature(decoder).parameters)[1:] if decoder else []
        if parameter is None or parameter not in accepted:
            raise ConfigError(
                f"decoding.tune.parameter: {parameter!r} is not a parameter of decoder {name!r}; "
                f"choose one of {', '.join(accepted) or 'its parameters'} (e.g. threshold)"
            )
        if decoding.tune.candidates is not None and len(decoding.tune.candidates) == 0:
            raise ConfigError(
                "decoding.tune.candidates is empty; give values, e.g. [0.3, 0.5, 0.7]"
            )

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Tune on rank 0 (the record is one file) unless the run stopped on an error."""
        if not trainer.is_global_zero or trainer.interrupted:
            return
        cfg = pl_module.cfg
        sources = val_sources(cfg)
        if not sources:
            log.warning(
                "decoding.tune.enabled but there is no validation volume (data.val_image or "
                "data.val_split): the decoder keeps decoding.kwargs"
            )
            return
        was_training = pl_module.training
        pl_module.eval()
        pairs: list[tuple[np.ndarray, np.ndarray]] = []
        with torch.inference_mode():
            for source in sources:
                prediction = pl_module.predict_image(source.image, source.name)
                pairs.append((prediction, np.asarray(source.label.read())))
        pl_module.train(was_training)
        tune = cfg.decoding.tune
        values = list(tune.candidates) if tune.candidates is not None else None
        result = tune_decoder(cfg, pairs, tune.parameter, values)
        path = write_tuned_record(cfg, result)
        rows = ", ".join(f"{value:g}: {error:.4f}" for value, error in result.table)
        print(
            f"decoder tuning ({result.decoder}.{result.parameter}, adapted Rand error on "
            f"{len(pairs)} validation volume(s)): {rows}; best {result.value:g} -> {path}"
        )
