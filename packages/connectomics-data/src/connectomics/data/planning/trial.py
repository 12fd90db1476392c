"""Measure what one training step of a network costs: peak memory and seconds, by running it.

CPU: the process's peak resident set (VmHWM in /proc/self/status), reset before each trial by
writing 5 to /proc/self/clear_refs (Linux); without it, ru_maxrss (never reset, so an upper
bound). The figure is the whole process's peak (Python, torch, the model, its activations,
gradients and AdamW state), what a training process needs. CUDA: torch's peak allocated bytes
plus the memory the context already holds.
"""

from __future__ import annotations

import ctypes
import gc
import resource
import time
from dataclasses import dataclass
from typing import Any

GIB = 1024**3


@dataclass(frozen=True)
class TrialResult:
    """Peak memory (bytes) and seconds per step of a trial forward/backward/AdamW step."""

    peak_bytes: int
    step_seconds: float
    how: str  # how the peak was measured


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _release_freed_memory() -> None:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _reset_peak() -> bool:
    """Reset this process's peak RSS; False where the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def available_memory_bytes(device: str) -> int:
    """Memory a run may use now: free GPU memory, or MemAvailable of the machine."""
    if device == "cuda":
        import torch

        free, _total = torch.cuda.mem_get_info()
        return int(free)
    from connectomics.data.sizing import available_memory

    return available_memory()


def measure_step(
    model: Any, in_channels: int, patch: list[int], batch: int, device: str, steps: int = 2
) -> TrialResult:
    """Run `steps` AdamW training steps of `model` on random (batch, C, *patch) input."""
    import torch

    model = model.to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(batch, in_channels, *patch, device=device)
    _release_freed_memory()
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        held = torch.cuda.memory_reserved()
        context = torch.cuda.mem_get_info()[1] - torch.cuda.mem_get_info()[0] - held
        how = "torch.cuda.max_memory_reserved + CUDA context"
    else:
        how = "peak RSS (VmHWM after clear_refs)" if _reset_peak() else "ru_maxrss (upper bound)"
    seconds = []
    for _ in range(steps):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", enabled=device == "cuda"):
            out = model(x)
            out = out[0] if isinstance(out, (list, tuple)) else out
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                out.float(), torch.rand_like(out.float())
            )
        loss.backward()
        optimizer.step()
        if device == "cuda":
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
    if device == "cuda":
        peak = int(torch.cuda.max_memory_reserved()) + max(int(context), 0)
    else:
        hwm = _status_kib("VmHWM") if how.startswith("peak") else None
        peak = (
            hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        ) * 1024
    del optimizer, x
    model.to("cpu")
    _release_freed_memory()
    return TrialResult(peak_bytes=peak, step_seconds=min(seconds[1:] or seconds), how=how)
