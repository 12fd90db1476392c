"""Per-channel output activations (sigmoid, softmax over a channel group, tanh, none)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from connectomics.data.inference.options import OptionError

# The function of each activation name of the target specs (softmax runs over its channel group).
FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sigmoid": torch.sigmoid,
    "softmax": lambda part: torch.softmax(part, dim=1),
    "tanh": torch.tanh,
    "none": lambda part: part,
}


@dataclass(frozen=True)
class ActivationPlan:
    """Runs of consecutive channels sharing one activation; softmax runs are softmax groups."""

    runs: tuple[tuple[str, int, int], ...]  # (name, first channel, stop channel)
    n_channels: int

    @classmethod
    def build(cls, names: Sequence[str], n_channels: int) -> ActivationPlan:
        """Plan for a model with `n_channels` outputs; one name applies to every channel."""
        if len(names) == 1:
            names = list(names) * n_channels
        if len(names) != n_channels:
            raise OptionError(
                f"inference.activation lists {len(names)} channels but the model outputs "
                f"{n_channels}; give one name or one per output channel"
            )
        runs: list[tuple[str, int, int]] = []
        for channel, name in enumerate(names):
            if runs and runs[-1][0] == name:
                runs[-1] = (name, runs[-1][1], channel + 1)
            else:
                runs.append((name, channel, channel + 1))
        return cls(tuple(runs), n_channels)

    def apply(self, logits: torch.Tensor) -> torch.Tensor:
        """Activated copy of (B, C, ...) logits, without in-place writes (which tracing and
        ONNX export would lose)."""
        parts = [
            FUNCTIONS[name.split(":", 1)[0]](logits[:, start:stop])
            for name, start, stop in self.runs
        ]
        return parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)

    def apply_(self, logits: torch.Tensor) -> torch.Tensor:
        """Activate (B, C, ...) logits in place and return them."""
        return logits.copy_(self.apply(logits))

    def value_range(self, channel: int) -> tuple[float, float]:
        """Range of an activated channel, used to scale to uint8 (none: taken as [0, 1])."""
        for name, start, stop in self.runs:
            if start <= channel < stop:
                return (-1.0, 1.0) if name.startswith("tanh") else (0.0, 1.0)
        raise IndexError(channel)
