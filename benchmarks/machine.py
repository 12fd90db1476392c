"""What a benchmark figure was measured on: CPU model, ISA, torch threads, load average.

Every benchmark records `machine()` once and `load()` with each figure, so figures from
different machines are compared only as ratios measured in one run.
"""

from __future__ import annotations

import os
import platform
import resource
from pathlib import Path

ISA_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "avx512_vnni", "avx_vnni")


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), or the platform's processor string."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags() -> set[str]:
    """The CPU's feature flags (/proc/cpuinfo; empty where there is none)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def machine() -> dict:
    """CPU model, ISA flags that decide speed, torch/oneDNN capability, cores, torch threads."""
    import torch

    flags = cpu_flags()
    return {
        "cpu": cpu_model(),
        "isa": [f for f in ISA_FLAGS if f in flags],
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "native_bf16": bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()),
        "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA"),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


def load() -> list[float]:
    """The 1-, 5- and 15-minute load averages now."""
    return [round(x, 2) for x in os.getloadavg()]


def peak_rss_gib() -> float:
    """Peak resident memory of this process so far, GiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def cpu_seconds() -> float:
    """User plus system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def header() -> str:
    """One line naming the machine a benchmark's figures come from (print it first)."""
    m = machine()
    return (
        f"machine: {m['cpu']}, ISA {'/'.join(m['isa']) or 'baseline'} (torch {m['torch']}: "
        f"{m['torch_cpu_capability']}, native bf16 {m['native_bf16']}), {m['cores']} cores, "
        f"{m['torch_threads']} torch threads, load {'/'.join(map(str, load()))}"
    )


def at_load() -> str:
    """The load averages now, to print beside a figure: "  [load 1.2/0.9/0.7]"."""
    return f"  [load {'/'.join(map(str, load()))}]"
