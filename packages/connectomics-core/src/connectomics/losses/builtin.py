"""The built-in losses: MONAI and torch losses registered with how they meet masks and weights."""

from __future__ import annotations

from typing import Any

import torch
from monai import losses as monai_losses
from torch import nn

from connectomics.losses.registry import build_loss_term, register_loss
from connectomics.losses.terms import LossTerm, SumTerm

REGION_LOSSES = {
    "DiceLoss": monai_losses.DiceLoss,
    "TverskyLoss": monai_losses.TverskyLoss,
    "GeneralizedDiceLoss": monai_losses.GeneralizedDiceLoss,
    "SoftclDiceLoss": monai_losses.SoftclDiceLoss,
    "SoftDiceclDiceLoss": monai_losses.SoftDiceclDiceLoss,
}
for _name, _loss in REGION_LOSSES.items():
    register_loss(_name, kind="region")(_loss)


def _tensor_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Lists from YAML (e.g. pos_weight) as float tensors, as torch losses expect."""
    return {
        k: torch.tensor(v, dtype=torch.float32) if isinstance(v, list) else v
        for k, v in kwargs.items()
    }


class SoftCrossEntropy(nn.Module):
    """Per-voxel cross-entropy of logits against one-hot (or soft) targets over channels."""

    def __init__(self, reduction: str = "none", **kwargs: Any) -> None:
        super().__init__()
        self.loss = nn.CrossEntropyLoss(reduction=reduction, **_tensor_options(kwargs))

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Cross-entropy per voxel, shape (B, *spatial)."""
        return self.loss(logits, target.to(logits.dtype))


def _bce(reduction: str = "none", **kwargs: Any) -> nn.Module:
    return nn.BCEWithLogitsLoss(reduction=reduction, **_tensor_options(kwargs))


def _mse(reduction: str = "none", **kwargs: Any) -> nn.Module:
    return nn.MSELoss(reduction=reduction, **kwargs)


def _l1(reduction: str = "none", **kwargs: Any) -> nn.Module:
    return nn.L1Loss(reduction=reduction, **kwargs)


register_loss("BCEWithLogitsLoss", kind="pointwise")(_bce)
register_loss("WeightedBCEWithLogitsLoss", kind="pointwise", use_weight=True)(_bce)
register_loss("CrossEntropyLoss", kind="pointwise")(SoftCrossEntropy)
register_loss("MSELoss", kind="pointwise", continuous=True)(_mse)
register_loss("WeightedMSELoss", kind="pointwise", use_weight=True, continuous=True)(_mse)
register_loss("L1Loss", kind="pointwise", continuous=True)(_l1)
# MONAI's FocalLoss takes logits (sigmoid, or softmax with use_softmax) and reduces per voxel.
register_loss("FocalLoss", kind="pointwise")(monai_losses.FocalLoss)


@register_loss("DiceCELoss", kind="term")
def dice_ce_loss(
    lambda_dice: float = 1.0, lambda_ce: float = 1.0, label_smoothing: float = 0.0, **dice: Any
) -> LossTerm:
    """MONAI Dice plus cross-entropy (BCE for sigmoid, CE for softmax), each masked by valid.

    Composed from the registered terms rather than monai.losses.DiceCELoss, which has no mask.
    """
    softmax = bool(dice.get("softmax", False))
    if softmax:
        ce = build_loss_term("CrossEntropyLoss", {"label_smoothing": label_smoothing})
    else:
        ce = build_loss_term("BCEWithLogitsLoss")
    return SumTerm([build_loss_term("DiceLoss", dice), ce], [lambda_dice, lambda_ce])
