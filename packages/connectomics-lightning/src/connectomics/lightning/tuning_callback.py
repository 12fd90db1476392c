"""`DecoderTuning`: the decoder's threshold chosen on the validation volumes when fit ends."""

from __future__ import annotations

import logging

import numpy as np
import pytorch_lightning as pl
import torch

from connectomics.data.datasets.builders import val_sources
from connectomics.data.decoding import tune_decoder, write_tuned_record
from connectomics.lightning.run_paths import tuned_record_path

log = logging.getLogger(__name__)


class DecoderTuning(pl.Callback):
    """Predict the validation volumes with the final weights, try decoding.tune.candidates for the
    decoder's parameter, and record the best (lowest adapted Rand error) in the run folder.

    The decoder, its tuned parameter and the candidates were checked when the config loaded.
    """

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
        path = write_tuned_record(tuned_record_path(cfg), result)
        rows = ", ".join(f"{value:g}: {error:.4f}" for value, error in result.table)
        print(
            f"decoder tuning ({result.decoder}.{result.parameter}, adapted Rand error on "
            f"{len(pairs)} validation volume(s)): {rows}; best {result.value:g} -> {path}"
        )
