"""Validation Dice and IoU of the foreground, accumulated over the epoch (torchmetrics)."""

from __future__ import annotations

import torch
from torch import nn
from torchmetrics.classification import BinaryF1Score, BinaryJaccardIndex

IGNORED = -1  # target value of voxels outside the valid mask


class ForegroundOverlap(nn.Module):
    """Foreground Dice (binary F1) and IoU over every validation voxel of an epoch.

    The counts are summed over batches (and over DDP ranks when computed), so the epoch's
    score is that of all its voxels, not a mean of per-batch scores. Sigmoid channels are
    cut at `threshold`; without one the foreground is a softmax argmax other than 0. An
    epoch without foreground in prediction and target scores 1.
    """

    def __init__(self, threshold: float) -> None:
        super().__init__()
        self.threshold = float(threshold)
        self.dice = BinaryF1Score(ignore_index=IGNORED, zero_division=1.0)
        self.iou = BinaryJaccardIndex(ignore_index=IGNORED, zero_division=1.0)

    def update(
        self,
        prob: torch.Tensor,
        target: torch.Tensor,
        valid: torch.Tensor | None,
        activations: list[str],
        continuous: list[bool] | None = None,
    ) -> None:
        """Add one batch: (B, C, ...) probabilities against its (B, C, ...) targets.

        Binary sigmoid channels are scored; `continuous` marks channels (distances) to skip.
        """
        smooth = continuous or [False] * len(activations)
        channels = [
            i
            for i, (name, cont) in enumerate(zip(activations, smooth, strict=False))
            if name == "sigmoid" and not cont and i < prob.shape[1]
        ]
        if channels:
            pred = prob[:, channels] > self.threshold
            true = (target[:, channels] > 0.5).long()
            if valid is not None:
                true = true.masked_fill(valid[:, channels] <= 0, IGNORED)
        else:
            pred = prob.argmax(1, keepdim=True) > 0
            true = (
                target.argmax(1, keepdim=True) > 0 if target.shape[1] > 1 else target > 0
            ).long()
        pred = pred.long().flatten()
        true = true.flatten()
        self.dice.update(pred, true)
        self.iou.update(pred, true)
