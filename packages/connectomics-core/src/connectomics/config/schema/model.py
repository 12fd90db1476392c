"""`model` section: architecture and the loss plan."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ModelConfig:
    """Network architecture and how its outputs are scored."""

    # Registry name, see `connectomics info` (e.g. unet_res_em, basic_unet, dynunet, mednext_s).
    architecture: str = "unet_res_em"
    # 2 or 3 spatial dimensions.
    spatial_dims: int = 3
    in_channels: int = 1
    out_channels: int = 1
    # Feature width per resolution level.
    filters: list[int] = field(default_factory=lambda: [16, 32, 64, 128])
    # Down-sampling factor between consecutive levels, one list per level transition
    # (e.g. [[1, 2, 2], [1, 2, 2], [2, 2, 2]] for anisotropic serial-section data).
    # None means 2 along every axis.
    strides: list[list[int]] | None = None
    # Normalisation layer: "batch", "instance" or "group".
    norm: str = "batch"
    dropout: float = 0.0
    # Fine-tuning: initialise the network from this checkpoint (a path, or an https URL ending in
    # "#sha256=<hex>", downloaded once into the weights cache). Tensors whose name and shape match
    # load; the others (e.g. a new output head) stay freshly initialised and are listed in a
    # table. The optimizer and schedule start fresh (unlike --resume, which wins when given).
    init_from: str | None = None
    # Freeze the encoder (down-sampling path) for the first N epochs of fine-tuning; 0 = never.
    freeze_encoder_epochs: int = 0
    # Extra keyword arguments passed to the network constructor (e.g. MONAI options).
    kwargs: dict[str, Any] = field(default_factory=dict)
    # Deep supervision: losses at every decoder scale.
    deep_supervision: bool = False
    # Weight of each scale, finest first; None halves the weight at each coarser scale.
    # The weights are normalised to sum to 1 (a weighted average over scales).
    deep_supervision_weights: list[float] | None = None
    # Loss registry names, combined as a weighted sum.
    loss_functions: list[str] = field(default_factory=lambda: ["DiceLoss"])
    loss_weights: list[float] = field(default_factory=lambda: [1.0])
    # Keyword arguments for each loss (one mapping per loss, or empty). Dice-family losses
    # get logits and apply sigmoid unless {softmax: true} (or {sigmoid: false}) is given.
    loss_kwargs: list[dict[str, Any]] = field(default_factory=list)
    # Output/target channels each loss sees (one list of channel indices per loss; null = all).
    loss_channels: list[Any] = field(default_factory=list)
