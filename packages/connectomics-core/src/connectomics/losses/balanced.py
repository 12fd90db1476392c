"""Class-balanced binary cross-entropy: each channel's positives and negatives weigh alike.

Affinity targets are heavily imbalanced (most voxel pairs are "connected"), and a plain BCE
learns to predict "connected" everywhere, which agglomerates a volume into one segment.
Weighting positives by 1 / (2 p) and negatives by 1 / (2 (1 - p)), where p is the channel's
fraction of positive voxels in the batch, gives both classes half of the loss (the automatic
positive weighting that PyTorch Connectomics applies to affinities, written here for masks).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from connectomics.config.errors import ConfigError
from connectomics.losses.registry import register_loss
from connectomics.losses.terms import LossTerm, Mask, Tensor


def balanced_weights(target: torch.Tensor, valid: torch.Tensor, max_weight: float) -> torch.Tensor:
    """Per-voxel weights (like target) giving each channel's classes equal total weight.

    The positive fraction p is counted per channel over the valid voxels of the whole batch;
    soft targets count fractionally. Weights are capped at `max_weight`; a channel with one
    class only (p = 0 or 1) keeps weight 1.
    """
    dims = [d for d in range(target.dim()) if d != 1]
    count = valid.sum(dims, keepdim=True)
    positive = (target * valid).sum(dims, keepdim=True) / count.clamp_min(1)
    one_class = (positive <= 0) | (positive >= 1)
    w_pos = (0.5 / positive.clamp_min(1e-12)).clamp(max=max_weight)
    w_neg = (0.5 / (1 - positive).clamp_min(1e-12)).clamp(max=max_weight)
    w_pos = torch.where(one_class, torch.ones_like(w_pos), w_pos)
    w_neg = torch.where(one_class, torch.ones_like(w_neg), w_neg)
    return target * w_pos + (1 - target) * w_neg


class BalancedBCETerm(LossTerm):
    """BCE with logits, class-balanced per channel over the batch, averaged over valid voxels."""

    def __init__(self, max_weight: float, use_weight: bool) -> None:
        super().__init__()
        if not max_weight >= 1:
            raise ValueError(f"max_weight must be at least 1, got {max_weight}")
        self.max_weight = float(max_weight)
        self.use_weight = bool(use_weight)

    def compute(self, logits: Tensor, target: Tensor, weight: Mask, valid: Mask) -> Tensor:
        target = target.to(logits.dtype)
        mask = (
            torch.ones_like(target) if valid is None else valid.to(logits.dtype).expand_as(target)
        )
        with torch.no_grad():
            voxel_weight = balanced_weights(target, mask, self.max_weight) * mask
            if self.use_weight and weight is not None:
                voxel_weight = voxel_weight * weight
        values = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
        return (values * voxel_weight).sum() / mask.sum().clamp_min(1)


@register_loss("BalancedBCEWithLogitsLoss", kind="term")
def balanced_bce_loss(max_weight: float = 20.0, use_weight: bool = False) -> LossTerm:
    """Class-balanced BCE (see the module docstring); `use_weight` also applies `weight` maps."""
    try:
        return BalancedBCETerm(max_weight, use_weight)
    except ValueError as error:
        raise ConfigError(f"model.loss_kwargs for BalancedBCEWithLogitsLoss: {error}") from error
