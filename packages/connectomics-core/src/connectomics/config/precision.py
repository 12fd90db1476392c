"""The precision a run uses on its hardware: the one rule for training and prediction.

A GPU gets the configured precision. A CPU runs BFloat16 only where it has native BFloat16
instructions (AVX512-BF16 or AMX; oneDNN reports them through torch), because on any other
CPU BFloat16 is emulated and far slower than float32; float16 AMP needs a GPU.
"""

from __future__ import annotations

import logging
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch

log = logging.getLogger(__name__)

# Measured cost of BFloat16 on a CPU without native BFloat16 (AMD EPYC, AVX2 only, rsunet at
# filters [16, 32, 64, 128], 2 threads; issue 25): sliding-window prediction of 250^3 in
# bf16-mixed ran single-threaded and had not finished after 300 s (float32: 223 s); with oneDNN
# held to AVX2 (ONEDNN_MAX_CPU_ISA=AVX2) two float32 and two BFloat16 training steps of a
# 2 x 32 x 128 x 128 batch had not finished in 58 minutes (a float32 step takes about 10 s).
EMULATED_BF16_COST = "measured: predict over 1.3x and training steps far slower than float32"

_HALF = ("16-mixed", "16", "16-true")
_BF16 = ("bf16-mixed", "bf16", "bf16-true")


def cpu_has_native_bf16() -> bool:
    """True when this CPU computes BFloat16 natively (oneDNN's check: AVX512-BF16 or AMX)."""
    checker = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
    if checker is not None and torch.backends.mkldnn.is_available():
        return bool(checker())
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})  # a torch without oneDNN


def _cpuinfo_field(name: str) -> str:
    """The first `name` field of /proc/cpuinfo ("" where there is none)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""
    for line in text.splitlines():
        if line.split(":", 1)[0].strip() == name:
            return line.split(":", 1)[1].strip()
    return ""


def cpu_flags() -> set[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is none)."""
    return set(_cpuinfo_field("flags").split())


def cpu_vendor() -> str:
    """The CPU's vendor id from /proc/cpuinfo ("GenuineIntel", "AuthenticAMD"; "" if unknown)."""
    return _cpuinfo_field("vendor_id")


@dataclass(frozen=True)
class PrecisionChoice:
    """The precision used (Lightning's spelling) and the one line saying why."""

    precision: str
    reason: str

    @property
    def bf16(self) -> bool:
        """True for BFloat16 (mixed or true)."""
        return self.precision in _BF16

    @property
    def autocast(self) -> bool:
        """True when inference runs under autocast (any 16-bit precision)."""
        return self.precision in _HALF or self.bf16


def choose_precision(precision: str, accelerator: str, what: str = "training") -> PrecisionChoice:
    """The precision `what` (training or prediction) uses for the configured `precision` on
    `accelerator` ("cpu" or a GPU kind). Explicit BFloat16 on a CPU without native BFloat16 is
    kept but warned about, with its measured cost."""
    precision = str(precision)
    if accelerator != "cpu":
        return PrecisionChoice(precision, f"{precision} on the {accelerator}")
    native = cpu_has_native_bf16()
    isa = "native bfloat16 (avx512_bf16/amx)" if native else "no native bfloat16 (AVX2 class)"
    if precision == "16-mixed":
        used = "bf16-mixed" if native else "32-true"
        return PrecisionChoice(
            used,
            f"{what} precision {used} on the CPU: training.precision=16-mixed needs a GPU and "
            f"this CPU has {isa}",
        )
    if precision in _HALF:
        return PrecisionChoice(
            "32-true",
            f"{what} precision 32-true on the CPU: training.precision={precision} needs a GPU",
        )
    if precision in _BF16 and not native:
        return PrecisionChoice(
            precision,
            f"{what} precision {precision} on a CPU with {isa}: BFloat16 is emulated here "
            f"({EMULATED_BF16_COST}); training.precision=32 is faster",
        )
    return PrecisionChoice(precision, f"{what} precision {precision} on a CPU with {isa}")


def announce(choice: PrecisionChoice, configured: str) -> None:
    """Say the choice in one line: a warning when it differs from `configured` or BFloat16 is
    emulated, a line on stderr for native BFloat16, a log record for plain float32."""
    if choice.precision != str(configured) or "emulated" in choice.reason:
        warnings.warn(choice.reason, stacklevel=3)
    elif choice.autocast:
        print(choice.reason, file=sys.stderr, flush=True)
    else:
        log.info(choice.reason)
