"""`system` section: seeds, devices and process layout."""

from dataclasses import dataclass


@dataclass
class SystemConfig:
    """Where and how a run executes."""

    seed: int = 42
    # Number of GPUs; more than one means DDP over those GPUs.
    num_gpus: int = 0
    # Explicit control: "auto", "cpu", "gpu"/"cuda", "mps". Overrides num_gpus when not "auto".
    accelerator: str = "auto"
    # Explicit device count; > 1 on the CPU means DDP over gloo. None derives it from num_gpus.
    devices: int | None = None
    # Lightning strategy: "auto" picks DDP when more than one device is used.
    strategy: str = "auto"
    # Machines (nodes) of a DDP run, each with `devices` processes; under SLURM, one srun task
    # per device on each of the num_nodes nodes (passed to Lightning's Trainer).
    num_nodes: int = 1
    # torch intra-op threads for CPU work (None leaves torch's default); also the threads of
    # blockwise decoding and evaluation on Dask's local scheduler.
    num_threads: int | None = None
