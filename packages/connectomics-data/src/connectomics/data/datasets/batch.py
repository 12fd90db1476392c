"""`Batch`: the collated training batch that Lightning moves to the device field by field."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import torch


@dataclass
class Batch:
    """Images and targets of a batch; ``images, targets = batch`` unpacks the first two."""

    image: torch.Tensor
    target: torch.Tensor
    weight: torch.Tensor | None = None
    valid: torch.Tensor | None = None
    meta: list[dict[str, Any]] | None = None

    def __iter__(self) -> Iterator[torch.Tensor]:
        yield self.image
        yield self.target

    def __getitem__(self, name: str) -> Any:
        if name not in {f.name for f in fields(self)}:
            raise KeyError(
                f"Batch has no field {name!r}; fields: image, target, weight, valid, meta"
            )
        return getattr(self, name)

    def __len__(self) -> int:
        return int(self.image.shape[0])


def _plain_tensor(value: Any) -> torch.Tensor:
    """A plain torch tensor from numpy, torch or MONAI MetaTensor data."""
    if hasattr(value, "as_tensor"):
        value = value.as_tensor()
    if isinstance(value, np.ndarray):
        if value.dtype == np.uint32 or value.dtype == np.uint64:
            value = value.astype(np.int64)
        return torch.from_numpy(np.ascontiguousarray(value))
    return torch.as_tensor(value)


def _stack(samples: Sequence[dict[str, Any]], key: str) -> torch.Tensor | None:
    if key not in samples[0] or samples[0][key] is None:
        return None
    return torch.stack([_plain_tensor(sample[key]) for sample in samples])


def collate_batch(samples: Sequence[dict[str, Any]]) -> Batch:
    """Stack sample dicts into a `Batch`; without a ``target`` key the label is the target."""
    if not samples:
        raise ValueError("collate_batch needs at least one sample")
    target = _stack(samples, "target")
    if target is None:
        target = _stack(samples, "label")
    if target is None:
        raise KeyError("samples carry neither 'target' nor 'label'")
    meta = [sample["meta"] for sample in samples] if "meta" in samples[0] else None
    return Batch(
        image=_stack(samples, "image"),
        target=target,
        weight=_stack(samples, "weight"),
        valid=_stack(samples, "valid"),
        meta=meta,
    )
