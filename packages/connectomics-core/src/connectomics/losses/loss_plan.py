"""`LossPlan`: every configured loss on its channels, weighted, at every supervised scale."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config
from connectomics.config.target_layout import TargetLayout
from connectomics.losses.registry import build_loss_term, loss_spec
from connectomics.losses.resize import resize_nearest, resize_target
from connectomics.losses.terms import LossTerm


@dataclass(frozen=True)
class RoutedLoss:
    """One configured loss: its part name, weight in the total and channels (None: all)."""

    name: str
    weight: float
    channels: list[int] | None


def default_scale_weights(count: int) -> list[float]:
    """Halving weights 1, 1/2, 1/4, ... normalised to sum to 1."""
    raw = [0.5**i for i in range(count)]
    return [w / sum(raw) for w in raw]


class LossPlan(nn.Module):
    """Weighted sum of loss terms on routed channels, averaged over deep-supervision scales.

    Call as `plan(outputs, target, weight=None, valid=None) -> (total, parts)`: outputs is
    a logits tensor or the deep-supervision list (finest first); target, weight and valid
    are (B, C, *spatial) at full resolution and are resized to each output (nearest, or
    averaged for continuous channels). parts holds detached `loss_<i>_<Name>` (each loss
    averaged over scales, before its loss weight) and, with several scales, `loss_scale_<k>`.
    """

    def __init__(
        self,
        terms: Sequence[LossTerm],
        routes: Sequence[RoutedLoss],
        scale_weights: Sequence[float] | None = None,
        continuous_channels: Sequence[bool] | None = None,
    ) -> None:
        super().__init__()
        if len(terms) != len(routes) or not terms:
            raise ValueError("LossPlan needs one route per loss term and at least one term")
        self.terms = nn.ModuleList(terms)
        self.routes = list(routes)
        self.scale_weights = list(scale_weights) if scale_weights is not None else None
        self.continuous_channels = list(continuous_channels) if continuous_channels else None

    def _weights_for(self, count: int) -> list[float]:
        if count == 1:  # no deep supervision (or validation on the finest output only)
            return [1.0]
        if self.scale_weights is None:
            return default_scale_weights(count)
        if len(self.scale_weights) != count:
            raise ConfigError(
                f"model.deep_supervision_weights has {len(self.scale_weights)} entries but the "
                f"model returns {count} outputs; give {count} weights (finest first) or null"
            )
        total = sum(self.scale_weights)
        return [w / total for w in self.scale_weights]

    def _continuous(self, channels: int) -> list[bool]:
        if self.continuous_channels is not None and len(self.continuous_channels) == channels:
            return self.continuous_channels
        return [False] * channels

    def forward(
        self,
        outputs: torch.Tensor | Sequence[torch.Tensor],
        target: torch.Tensor,
        weight: torch.Tensor | None = None,
        valid: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Total loss and its detached named parts."""
        scales = [outputs] if isinstance(outputs, torch.Tensor) else list(outputs)
        # Losses run in float32 even under mixed precision (Dice sums overflow in float16).
        scales = [s.float() for s in scales]
        self._check(scales[0], target)
        target = target.float()
        weight = _like_target("weight", weight, target)
        valid = _like_target("valid", valid, target)
        continuous = self._continuous(target.shape[1])
        scale_weights = self._weights_for(len(scales))
        per_loss = [torch.zeros((), device=target.device) for _ in self.routes]
        parts: dict[str, torch.Tensor] = {}
        total = torch.zeros((), device=target.device)
        for k, (logits, scale_weight) in enumerate(zip(scales, scale_weights)):
            size = logits.shape[2:]
            t = resize_target(target, size, continuous)
            w = resize_nearest(weight, size) if weight is not None else None
            v = resize_nearest(valid, size) if valid is not None else None
            scale_total = torch.zeros((), device=target.device)
            for i, (term, route) in enumerate(zip(self.terms, self.routes)):
                value = term(*_route(route.channels, logits, t, w, v))
                per_loss[i] = per_loss[i] + scale_weight * value
                scale_total = scale_total + route.weight * value
            total = total + scale_weight * scale_total
            if len(scales) > 1:
                parts[f"loss_scale_{k}"] = scale_total.detach()
        for i, route in enumerate(self.routes):
            parts[f"loss_{i}_{route.name}"] = per_loss[i].detach()
        return total, parts

    @staticmethod
    def _check(logits: torch.Tensor, target: torch.Tensor) -> None:
        if logits.shape[1] != target.shape[1]:
            raise ConfigError(
                f"the model outputs {logits.shape[1]} channels but the targets have "
                f"{target.shape[1]}; set model.out_channels to {target.shape[1]}"
            )
        if logits.shape[2:] != target.shape[2:]:
            raise ValueError(
                f"finest output spatial shape {tuple(logits.shape[2:])} differs from the target "
                f"{tuple(target.shape[2:])}; the full-resolution output must come first"
            )


def _like_target(
    name: str, tensor: torch.Tensor | None, target: torch.Tensor
) -> torch.Tensor | None:
    """`tensor` as float32 broadcast to the target's shape, or a clear shape error."""
    if tensor is None:
        return None
    try:
        return tensor.float().expand_as(target)
    except RuntimeError as error:
        raise ValueError(
            f"{name} has shape {tuple(tensor.shape)} but the target has {tuple(target.shape)}; "
            f"{name} must match the target (or have one channel)"
        ) from error


def _route(
    channels: list[int] | None,
    logits: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None,
    valid: torch.Tensor | None,
) -> tuple[torch.Tensor, ...]:
    if channels is None:
        return logits, target, weight, valid
    index = torch.tensor(channels, device=logits.device)

    def pick(x: torch.Tensor | None) -> torch.Tensor | None:
        return x.index_select(1, index) if x is not None else None

    return pick(logits), pick(target), pick(weight), pick(valid)


def _continuous_channels(
    layout: TargetLayout | None, routes: Sequence[RoutedLoss], out_channels: int
) -> list[bool]:
    """Which target channels are continuous: the layout's, else those of regression losses."""
    if layout is not None and layout.num_channels == out_channels:
        return layout.continuous
    continuous = [False] * out_channels
    for route in routes:
        if loss_spec(route.name).continuous:
            for c in route.channels if route.channels is not None else range(out_channels):
                continuous[c] = True
    return continuous


def _layout(cfg: Config) -> TargetLayout | None:
    """The config's target layout; None for a bare model section without data.targets."""
    data = getattr(cfg, "data", None)
    return TargetLayout.from_config(cfg) if getattr(data, "targets", None) else None


def build_loss_plan(cfg: Config) -> LossPlan:
    """The LossPlan of cfg.model's loss entries (model.loss, or loss_functions, loss_weights,
    loss_kwargs, loss_channels) and deep_supervision_weights; Dice-family losses get
    sigmoid=True unless softmax is asked."""
    model = cfg.model
    entries = model.losses()
    routes = [RoutedLoss(e.name, e.weight, e.channels()) for e in entries]
    terms = [build_loss_term(e.name, dict(e.kwargs)) for e in entries]
    continuous = _continuous_channels(_layout(cfg), routes, model.out_channels)
    return LossPlan(terms, routes, model.deep_supervision_weights, continuous)
