"""`system` section: seeds, devices and process layout."""

from typing import Literal

from pydantic import Field

from connectomics.config.schema.section import NonNegativeInt, PositiveInt, Section


class SystemConfig(Section):
    """Where and how a run executes."""

    seed: int = 42
    # Number of GPUs; more than one means DDP over those GPUs.
    num_gpus: NonNegativeInt = 0
    # Explicit control: "auto", "cpu", "gpu"/"cuda", "mps". Overrides num_gpus when not "auto".
    accelerator: Literal["auto", "cpu", "gpu", "cuda", "mps", "tpu"] = "auto"
    # Explicit device count; > 1 on the CPU means DDP over gloo. None derives it from num_gpus.
    devices: PositiveInt | None = None
    # Lightning strategy: "auto" picks DDP when more than one device is used.
    strategy: str = "auto"
    # Machines (nodes) of a DDP run, each with `devices` processes; under SLURM, one srun task
    # per device on each of the num_nodes nodes (passed to Lightning's Trainer).
    num_nodes: PositiveInt = 1
    # torch intra-op threads for CPU work (None leaves torch's default); also the threads of
    # blockwise decoding and evaluation on Dask's local scheduler.
    num_threads: int | None = Field(default=None, ge=1)
