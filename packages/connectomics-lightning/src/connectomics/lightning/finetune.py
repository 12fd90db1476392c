"""Fine-tuning: initialise a network from another run's weights, optionally freezing its encoder.

`model.init_from` loads every tensor whose name and shape match (a checkpoint trained for
other targets or another number of input channels still gives its encoder) and reports the
rest in one table; the optimizer and schedule start fresh. `model.freeze_encoder_epochs`
keeps the encoder's convolutions fixed for the first epochs (Lightning's BaseFinetuning).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from pytorch_lightning import Callback, LightningModule, Trainer
from pytorch_lightning.callbacks import BaseFinetuning
from torch import nn

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config
from connectomics.data.download import cached_download, split_checksum
from connectomics.lightning.checkpoint_io import safe_torch_load
from connectomics.lightning.errors import CheckpointError

log = logging.getLogger(__name__)

# Top-level children of each architecture's network that form its encoder (down-sampling path).
ENCODER_PARTS: dict[str, tuple[str, ...]] = {
    "unet_res_em": ("embed", "down", "encoders"),
    "basic_unet": ("conv_0", "down_1", "down_2", "down_3", "down_4"),
    "dynunet": ("input_block", "downsamples", "bottleneck"),
    "segresnet": ("convInit", "down_layers"),
    "unetr": ("vit", "encoder1", "encoder2", "encoder3", "encoder4"),
    "swinunetr": ("swinViT", "encoder1", "encoder2", "encoder3", "encoder4", "encoder10"),
    **{f"mednext_{size}": ("stem", "enc_stages", "down_blocks", "bottleneck") for size in "sbml"},
}


@dataclass
class InitReport:
    """What `load_matching_weights` did: loaded names and the tensors left as they were."""

    source: str
    loaded: list[str] = field(default_factory=list)
    # (tensor name, shape in the checkpoint or None, shape in the model or None, reason)
    skipped: list[tuple[str, tuple[int, ...] | None, tuple[int, ...] | None, str]] = field(
        default_factory=list
    )

    def table(self) -> str:
        """A plain-text table of the summary and every tensor that was not loaded."""
        total = len(self.loaded) + sum(1 for s in self.skipped if s[2] is not None)
        lines = [f"init_from {self.source}: loaded {len(self.loaded)} of {total} model tensors"]
        if not self.skipped:
            return lines[0]
        rows = [("tensor", "checkpoint", "model", "status")] + [
            (name, _shape(a), _shape(b), why) for name, a, b, why in self.skipped
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for i, row in enumerate(rows):
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)


def _shape(shape: tuple[int, ...] | None) -> str:
    return "-" if shape is None else "x".join(map(str, shape)) or "scalar"


def resolve_source(source: str) -> Path:
    """A local checkpoint path for `source`: an existing path, or a URL with #sha256= (cached)."""
    if "://" in source:
        url, digest = split_checksum(source)
        if digest is None:
            raise ConfigError(
                f"model.init_from: the URL {url} has no checksum; append its sha256, "
                f"e.g. {url}#sha256=<64 hex digits>"
            )
        return cached_download(url, digest)
    path = Path(source).expanduser()
    if not path.is_file():
        raise FileNotFoundError(
            f"model.init_from: checkpoint not found: {path} (resolved against {Path.cwd()})"
        )
    return path


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Network weights of a Lightning checkpoint, a plain state dict or a bioimage.io package
    exported by connectomics (all read weights_only)."""
    import zipfile

    if zipfile.is_zipfile(path) and "rdf.yaml" in zipfile.ZipFile(path).namelist():
        from connectomics.lightning.export.importing import read_package_weights

        return read_package_weights(path)
    data = safe_torch_load(path, where="model.init_from: ")
    if isinstance(data, Mapping) and isinstance(data.get("state_dict"), Mapping):
        data = data["state_dict"]
    if not isinstance(data, Mapping) or not all(torch.is_tensor(v) for v in data.values()):
        raise CheckpointError(
            f"model.init_from: {path} is neither a Lightning checkpoint nor a state dict of tensors"
        )
    # A Lightning checkpoint names the network's tensors "model.<name>"
    if data and all(str(k).startswith("model.") for k in data):
        return {str(k)[len("model.") :]: v for k, v in data.items()}
    return {str(k): v for k, v in data.items()}


def load_matching_weights(
    model: nn.Module, weights: Mapping[str, torch.Tensor], source: str = ""
) -> InitReport:
    """Copy every tensor of `weights` whose name and shape match into `model`; report the rest."""
    report = InitReport(source=source)
    own = model.state_dict()
    matched: dict[str, torch.Tensor] = {}
    for name, tensor in own.items():
        other = weights.get(name)
        if other is None:
            report.skipped.append((name, None, tuple(tensor.shape), "fresh: not in checkpoint"))
        elif tuple(other.shape) != tuple(tensor.shape):
            report.skipped.append(
                (name, tuple(other.shape), tuple(tensor.shape), "fresh: shape differs")
            )
        else:
            matched[name] = other
            report.loaded.append(name)
    for name, other in weights.items():
        if name not in own:
            report.skipped.append((name, tuple(other.shape), None, "unused: not in model"))
    model.load_state_dict(matched, strict=False)
    return report


def init_from_checkpoint(model: nn.Module, source: str) -> InitReport:
    """Initialise `model` (a network or a ConnectomicsModule's `.model`) from `source`; logs the table."""
    if isinstance(model, LightningModule) and hasattr(model, "model"):
        model = model.model
    path = resolve_source(str(source))
    report = load_matching_weights(model, read_state_dict(path), source=str(source))
    if not report.loaded:
        raise CheckpointError(
            f"model.init_from: no tensor of {source} matches the configured network "
            f"(name and shape); is it a checkpoint of the same model.architecture?"
        )
    log.warning(report.table())
    return report


def encoder_modules(model: nn.Module, architecture: str) -> list[nn.Module]:
    """The encoder parts of a built network (see ENCODER_PARTS)."""
    parts = ENCODER_PARTS.get(architecture)
    net = getattr(model, "net", model)
    if parts is None:
        raise ConfigError(
            f"model.freeze_encoder_epochs: the encoder of {architecture!r} is not known; "
            f"set it to 0 or use one of {', '.join(sorted(ENCODER_PARTS))}"
        )
    children = dict(net.named_children())
    return [children[p] for p in parts if p in children]


class InitFromCheckpoint(Callback):
    """Load `model.init_from` when a fit starts from scratch (a resumed fit keeps its weights)."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source
        self.report: InitReport | None = None

    def on_fit_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """After a resumed run restored its checkpoint (which then wins), before the first step.

        The weights are copied into the existing parameters, so the optimizer built for them
        trains the loaded values with fresh state and a fresh schedule.
        """
        if trainer.ckpt_path is not None:
            return
        if "://" in self.source and trainer.world_size > 1:
            if trainer.global_rank == 0:  # one rank downloads into the shared cache
                resolve_source(self.source)
            trainer.strategy.barrier("init_from")
        self.report = init_from_checkpoint(pl_module, self.source)


class FreezeEncoder(BaseFinetuning):
    """Freeze the encoder's weights for the first `epochs` epochs; norm layers keep adapting."""

    def __init__(self, epochs: int, architecture: str) -> None:
        super().__init__()
        self.epochs = epochs
        self.architecture = architecture

    def freeze_before_training(self, pl_module: LightningModule) -> None:
        """Freeze the encoder's parameters (they stay in the optimizer, without gradients)."""
        self.freeze(encoder_modules(pl_module.model, self.architecture), train_bn=True)

    def finetune_function(self, pl_module: LightningModule, epoch: int, optimizer: Any) -> None:
        """Make the encoder trainable again from epoch `epochs` on."""
        if epoch >= self.epochs:
            self.make_trainable(encoder_modules(pl_module.model, self.architecture))


def finetune_callbacks(cfg: Config) -> list[Callback]:
    """The callbacks `model.init_from` and `model.freeze_encoder_epochs` ask for."""
    callbacks: list[Callback] = []
    epochs = cfg.model.freeze_encoder_epochs
    source = cfg.model.init_from
    if epochs < 0:
        raise ConfigError(
            f"model.freeze_encoder_epochs: {epochs} is out of range; set it to 0 or more"
        )
    if source:
        callbacks.append(InitFromCheckpoint(str(source)))
    if epochs > 0:
        if str(cfg.model.architecture) not in ENCODER_PARTS:
            encoder_modules(nn.Module(), str(cfg.model.architecture))  # raises the ConfigError
        callbacks.append(FreezeEncoder(epochs, str(cfg.model.architecture)))
    return callbacks
