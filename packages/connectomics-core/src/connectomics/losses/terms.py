"""Loss terms: how one loss sees logits, target, per-voxel weights and the ignore mask.

Three ways a loss meets `weight` and `valid` (both shaped like the target):

- region (Dice family): the term applies the activation itself (sigmoid, or softmax over the
  channels) and multiplies both the probabilities and the target by `valid`, so masked voxels
  add nothing to intersections or sums. `weight` is not used (region overlaps have no
  per-voxel weight).
- pointwise (BCE, CE, MSE, L1, focal): the loss is computed per voxel (reduction "none") and
  averaged over valid voxels; weighted variants multiply by `weight * valid`, plain ones by
  `valid` only.
- weighted (custom losses): `loss(logits, target, weight=weight * valid)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

Tensor = torch.Tensor
Mask = torch.Tensor | None
Activation = Callable[[Tensor], Tensor]


class LossTerm(nn.Module):
    """One loss on logits, with optional per-voxel `weight` and 0/1 `valid` like the target;
    a subclass writes `compute`."""

    def forward(
        self, logits: Tensor, target: Tensor, weight: Mask = None, valid: Mask = None
    ) -> Tensor:
        """Scalar loss of `logits` against `target`."""
        return self.compute(logits, target, weight, valid)

    def compute(self, logits: Tensor, target: Tensor, weight: Mask, valid: Mask) -> Tensor:
        """Scalar loss of `logits` against `target`; `weight` and `valid` may be None."""
        raise NotImplementedError


def region_activation(kwargs: dict[str, Any]) -> str | Activation:
    """Pop sigmoid/softmax/other_act from `kwargs`: "sigmoid" (the default for logits),
    "softmax", "none", or the given callable."""
    other = kwargs.pop("other_act", None)
    softmax = bool(kwargs.pop("softmax", False))
    sigmoid = bool(kwargs.pop("sigmoid", not softmax and other is None))
    if sum([other is not None, softmax, sigmoid]) > 1:
        raise ValueError("choose one of sigmoid, softmax and other_act for a Dice-family loss")
    if other is not None:
        return other
    return "softmax" if softmax else "sigmoid" if sigmoid else "none"


def activate(logits: torch.Tensor, activation: str | Activation) -> torch.Tensor:
    """Probabilities from logits by activation name (or callable)."""
    if callable(activation):
        return activation(logits)
    if activation == "sigmoid":
        return torch.sigmoid(logits)
    if activation == "softmax":
        return torch.softmax(logits, dim=1)
    return logits


class RegionTerm(LossTerm):
    """A Dice-family loss on activated probabilities, probabilities and target masked by valid."""

    def __init__(self, loss: Callable[..., torch.Tensor], activation: str | Activation) -> None:
        super().__init__()
        self.loss = loss
        self.activation = activation

    def compute(self, logits: Tensor, target: Tensor, weight: Mask, valid: Mask) -> Tensor:
        probabilities = activate(logits, self.activation)
        if valid is not None:
            probabilities = probabilities * valid
            target = target * valid
        return self.loss(probabilities, target)


def masked_mean(
    values: torch.Tensor, weight: torch.Tensor | None, valid: torch.Tensor | None
) -> torch.Tensor:
    """Mean of per-voxel `values` over valid voxels, each scaled by `weight`."""
    reference = valid if valid is not None else weight
    if reference is not None and values.dim() == reference.dim() - 1:
        values = values.unsqueeze(1)  # losses that reduce the channel axis (cross-entropy)
    if values.shape[1] == 1:
        valid = valid.amin(1, keepdim=True) if valid is not None else None
        weight = weight.mean(1, keepdim=True) if weight is not None else None
    if weight is not None:
        values = values * weight
    if valid is None:
        return values.mean()
    valid = valid.expand_as(values)
    return (values * valid).sum() / valid.sum().clamp_min(1)


class PointwiseTerm(LossTerm):
    """A per-voxel loss (reduction "none") averaged over valid voxels, optionally weighted."""

    def __init__(self, loss: Callable[..., torch.Tensor], use_weight: bool) -> None:
        super().__init__()
        self.loss = loss
        self.use_weight = use_weight

    def compute(self, logits: Tensor, target: Tensor, weight: Mask, valid: Mask) -> Tensor:
        values = self.loss(logits, target)
        return masked_mean(values, weight if self.use_weight else None, valid)


class WeightedTerm(LossTerm):
    """A loss called as `loss(logits, target, weight=weight * valid)`."""

    def __init__(self, loss: Callable[..., torch.Tensor]) -> None:
        super().__init__()
        self.loss = loss

    def compute(self, logits: Tensor, target: Tensor, weight: Mask, valid: Mask) -> Tensor:
        if weight is None and valid is None:
            combined = torch.ones_like(target)
        elif weight is None:
            combined = valid.expand_as(target)
        elif valid is None:
            combined = weight
        else:
            combined = weight * valid
        return self.loss(logits, target, weight=combined)


class SumTerm(LossTerm):
    """A weighted sum of terms (e.g. Dice plus cross-entropy)."""

    def __init__(self, terms: list[LossTerm], weights: list[float]) -> None:
        super().__init__()
        self.terms = nn.ModuleList(terms)
        self.weights = list(weights)

    def compute(self, logits: Tensor, target: Tensor, weight: Mask, valid: Mask) -> Tensor:
        return sum(
            w * term(logits, target, weight, valid) for term, w in zip(self.terms, self.weights)
        )
