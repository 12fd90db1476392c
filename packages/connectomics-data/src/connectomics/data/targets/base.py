"""`LabelTargetd`: base of the label-to-target MapTransforms (numpy or torch in, same out)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import torch
from monai.transforms import MapTransform

from connectomics.data.errors import DataError


def to_numpy(array: Any) -> np.ndarray:
    """A numpy view/copy of a numpy array or (Meta)Tensor."""
    if isinstance(array, torch.Tensor):
        return array.detach().cpu().numpy()
    return np.asarray(array)


def spatial_label(label: Any) -> np.ndarray:
    """The (1, *spatial) label as a (*spatial) integer numpy array, with a clear shape error."""
    array = to_numpy(label)
    if array.ndim not in (3, 4) or array.shape[0] != 1:
        raise DataError(
            f"label must be (1, Y, X) or (1, Z, Y, X) (one channel first), got shape {array.shape}"
        )
    if not (np.issubdtype(array.dtype, np.integer) or array.dtype == bool):
        if not np.all(np.equal(np.mod(array, 1), 0)):
            raise DataError(f"label must hold integer ids, got non-integer {array.dtype} values")
    return array[0].astype(np.int64, copy=False)


class LabelTargetd(MapTransform):
    """Reads `label` (and `mask` when present) and writes `target`, `weight`, `valid`.

    Subclasses implement `compute(label, mask) -> (target, valid)` on (*spatial) numpy arrays,
    returning float32 (C, *spatial) arrays (`valid` may be None: everything valid).
    """

    name = "target"

    def __init__(
        self,
        keys: str = "label",
        mask_key: str = "mask",
        output_key: str = "target",
        weight_key: str = "weight",
        valid_key: str = "valid",
    ) -> None:
        super().__init__(keys)
        self.mask_key = mask_key
        self.output_key = output_key
        self.weight_key = weight_key
        self.valid_key = valid_key

    def compute(
        self, label: np.ndarray, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Target (C, *spatial) float32 and optional validity (C, *spatial) from a label."""
        raise NotImplementedError

    def compute_with_mask(
        self, label: np.ndarray, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """`compute`, with validity always materialised and multiplied by the mask."""
        target, valid = self.compute(label, mask)
        if valid is None:
            valid = np.ones_like(target)
        if mask is not None:
            valid = valid * (mask > 0)[None]
        return target.astype(np.float32, copy=False), valid.astype(np.float32, copy=False)

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        """Add target, weight (ones) and valid for the first key's label."""
        sample = dict(data)
        key = self.keys[0]
        label, mask = sample_label_and_mask(sample, key, self.mask_key, f"the {self.name} target")
        target, valid = self.compute_with_mask(label, mask)
        like = sample[key]
        sample[self.output_key] = as_like(target, like)
        sample[self.weight_key] = as_like(np.ones_like(target), like)
        sample[self.valid_key] = as_like(valid, like)
        return sample


def sample_label_and_mask(
    sample: Mapping[Hashable, Any], key: str, mask_key: str, what: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """The (*spatial) label under `key` and the sample's mask (None: it has none)."""
    if key not in sample:
        raise DataError(f"the sample has no {key!r} entry to build {what} from")
    label = spatial_label(sample[key])
    return label, read_mask(sample, mask_key, label.shape)


def read_mask(
    sample: Mapping[Hashable, Any], key: str, shape: tuple[int, ...]
) -> np.ndarray | None:
    """The (*spatial) 0/1 mask of a sample, or None when it has none."""
    if key not in sample or sample[key] is None:
        return None
    mask = to_numpy(sample[key])
    mask = mask[0] if mask.ndim == len(shape) + 1 else mask
    if mask.shape != shape:
        raise DataError(f"mask shape {mask.shape} does not match the label shape {shape}")
    return mask > 0


def as_like(array: np.ndarray, like: Any) -> Any:
    """`array` as a torch tensor when `like` is one, otherwise as numpy."""
    if isinstance(like, torch.Tensor):
        return torch.from_numpy(np.ascontiguousarray(array)).to(like.device)
    return array
