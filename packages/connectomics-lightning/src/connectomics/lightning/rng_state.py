"""`RngStateCheckpoint`: the global random generators travel in the checkpoint."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch
from pytorch_lightning import Callback


class RngStateCheckpoint(Callback):
    """Save Python, NumPy, torch (and CUDA) generator states with every checkpoint and restore
    them on resume, so randomness outside the data stream (dropout, ...) continues exactly."""

    def state_dict(self) -> dict[str, Any]:
        """The generator states at the moment of the checkpoint (tensors and plain types)."""
        kind, keys, pos, has_gauss, cached = np.random.get_state()
        state: dict[str, Any] = {
            "python": [
                list(item) if isinstance(item, tuple) else item for item in random.getstate()
            ],
            "numpy": {
                "kind": kind,
                "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
                "pos": int(pos),
                "has_gauss": int(has_gauss),
                "cached": float(cached),
            },
            "torch": torch.get_rng_state(),
        }
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state["cuda"] = torch.cuda.get_rng_state_all()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Put the saved generator states back."""
        version, internal, gauss = state_dict["python"]
        random.setstate((version, tuple(internal), gauss))
        numpy = state_dict["numpy"]
        np.random.set_state(
            (
                numpy["kind"],
                numpy["keys"].numpy().astype(np.uint32),
                numpy["pos"],
                numpy["has_gauss"],
                numpy["cached"],
            )
        )
        torch.set_rng_state(state_dict["torch"])
        if "cuda" in state_dict and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state_dict["cuda"])
