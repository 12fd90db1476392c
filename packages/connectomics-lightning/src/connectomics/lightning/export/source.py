"""What an exporter starts from: a network in eval mode, its config and an example input."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from connectomics.config.schema import Config
from connectomics.config.schema.data import STATISTIC_MODES, NormalizationStats
from connectomics.data.datasets.clahe import clahe_view
from connectomics.data.datasets.normalize import dataset_statistics, normalize_image
from connectomics.data.inference import InferenceOptions
from connectomics.data.io.volume import ArrayVolume


@dataclass
class ExportSource:
    """The eval-mode network (logits), its config and an example input tensor."""

    network: nn.Module
    cfg: Config
    # the training statistics of data.normalize (the checkpoint's), None: the config's
    normalize_stats: NormalizationStats | None = None

    def window(self) -> list[int]:
        """The inference window (tile) size: inference.window_size, else data.patch_size."""
        inf = self.cfg.inference
        window = inf.window_size if inf.window_size is not None else self.cfg.data.patch_size
        return [int(w) for w in window]

    def example(self, image: np.ndarray | None = None) -> torch.Tensor:
        """A (1, C, *window) float32 input: `image` normalised as in training, else random."""
        channels = int(self.cfg.model.in_channels)
        if image is None:
            generator = torch.Generator().manual_seed(0)
            return torch.rand(1, channels, *self.window(), generator=generator)
        return torch.from_numpy(normalized(image, self.cfg, self.normalize_stats)).reshape(
            1, channels, *image.shape[-len(self.window()) :]
        )

    def activations(self) -> list[str]:
        """One activation name per output channel (inference.activation, resolved)."""
        names = list(InferenceOptions.from_config(self.cfg).activation)
        channels = int(self.cfg.model.out_channels)
        return names * channels if len(names) == 1 else names


def normalized(
    image: np.ndarray, cfg: Config, stats: NormalizationStats | None = None
) -> np.ndarray:
    """float32 copy of `image` normalised by data.normalize (as inference does it) with the
    training statistics `stats` (None: data.normalize_stats)."""
    mode = str(cfg.data.normalize)
    stats = stats if stats is not None else cfg.data.normalize_stats
    if stats is None and mode in STATISTIC_MODES:
        stats = dataset_statistics([image])  # a config without training statistics
    image = clahe_view(ArrayVolume(np.asarray(image)), mode, cfg.data.clahe).read()
    return np.ascontiguousarray(normalize_image(image, mode, stats))


def load_export_source(model: Any) -> ExportSource:
    """An ExportSource from a checkpoint path, a ConnectomicsModule or an ExportSource."""
    if isinstance(model, ExportSource):
        return model
    from connectomics.lightning.module import ConnectomicsModule

    if isinstance(model, str | Path):
        model = ConnectomicsModule.load_from_checkpoint(model, map_location="cpu")
    if not isinstance(model, ConnectomicsModule):
        raise TypeError(f"expected a checkpoint path or a ConnectomicsModule, got {type(model)}")
    network = model.model.to("cpu").float().eval()
    return ExportSource(network=network, cfg=model.cfg, normalize_stats=model.normalize_stats)
