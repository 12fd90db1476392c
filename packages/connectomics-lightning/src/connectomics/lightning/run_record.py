"""What a run leaves beside itself: the resolved config.yaml and flat hyper-parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytorch_lightning import Callback, LightningModule, Trainer

from connectomics.config import Config, to_yaml

CONFIG_FILE = "config.yaml"


def flat_hparams(cfg: Config) -> dict[str, Any]:
    """The config as dotted keys with scalar values (lists become their text), the form
    TensorBoard's hparams tab and wandb's config table show."""
    plain = cfg.model_dump(mode="json")
    flat: dict[str, Any] = {}

    def walk(value: Any, prefix: str) -> None:
        if isinstance(value, dict) and value:
            for key, item in value.items():
                walk(item, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(value, (bool, int, float, str)) or value is None:
            flat[prefix] = "null" if value is None else value
        else:
            flat[prefix] = str(value)

    walk(plain, "")
    return flat


class ConfigRecorder(Callback):
    """Writes the resolved config (with the dataset statistics training computed) as
    config.yaml into logging.save_dir and the logger's version folder when fitting starts."""

    def on_fit_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Rank zero writes config.yaml beside the run."""
        resolved = getattr(pl_module, "resolved_config", None)
        cfg = resolved() if resolved is not None else getattr(pl_module, "cfg", None)
        if cfg is None or not trainer.is_global_zero:
            return
        text = to_yaml(cfg)
        folders = {Path(cfg.logging.save_dir)}
        if trainer.loggers and trainer.log_dir:
            folders.add(Path(trainer.log_dir))
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / CONFIG_FILE).write_text(text)
