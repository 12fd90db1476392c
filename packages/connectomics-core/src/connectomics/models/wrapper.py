"""`SegmentationNet`: one wrapper giving every network the same outputs and model info."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

# Turns a network's raw training-mode output into the list of logits, finest first.
Unpack = Callable[[nn.Module, Any], list[torch.Tensor]]


def unpack_sequence(net: nn.Module, output: Any) -> list[torch.Tensor]:
    """Outputs given as a tuple or list (finest first) or as a single tensor."""
    if isinstance(output, (list, tuple)):
        return list(output)
    return [output]


class SegmentationNet(nn.Module):
    """A segmentation network (`.net`) with uniform outputs and `get_model_info()`.

    Eval mode, or deep supervision off: one logits tensor. Train mode with deep
    supervision: a list of logits, finest first, coarser scales at their own resolution
    (`output_scales` gives the per-axis down-sampling factor of each).
    """

    def __init__(
        self,
        net: nn.Module,
        name: str,
        output_scales: Sequence[Sequence[int]],
        patch_multiple: Sequence[int],
        deep_supervision: bool = False,
        unpack: Unpack = unpack_sequence,
    ) -> None:
        super().__init__()
        self.net = net
        self.name = name
        self.deep_supervision = deep_supervision
        self.output_scales = [list(s) for s in output_scales]
        self.patch_multiple = list(patch_multiple)
        self._unpack = unpack

    def forward(self, x: torch.Tensor) -> torch.Tensor | list[torch.Tensor]:
        """Logits, or the multi-scale list in training with deep supervision."""
        outputs = self._unpack(self.net, self.net(x))
        if self.training and self.deep_supervision:
            return outputs
        return outputs[0]

    def get_model_info(self) -> dict[str, Any]:
        """Name, parameter counts, output scales (finest first) and the patch multiple."""
        parameters = sum(p.numel() for p in self.parameters())
        trainable = sum(p.numel() for p in self.parameters() if p.requires_grad)
        scales = self.output_scales if self.deep_supervision else self.output_scales[:1]
        return {
            "name": self.name,
            "parameters": parameters,
            "trainable_parameters": trainable,
            "output_scales": [list(s) for s in scales],
            "patch_multiple": list(self.patch_multiple),
        }
