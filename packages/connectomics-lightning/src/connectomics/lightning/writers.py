"""Prediction writer: puts in-memory volume predictions on disk as they are produced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytorch_lightning.callbacks import BasePredictionWriter

from connectomics.config.schema import Config
from connectomics.data.io import write_volume
from connectomics.lightning.run_paths import volume_file


class VolumePredictionWriter(BasePredictionWriter):
    """Write each predicted volume to `{output_dir}/{name}_prediction.{h5|zarr}` after its batch.

    Volumes predicted out of core (inference.chunk_size) are already streamed into their store
    by the module; this writer only records their path.
    """

    def __init__(
        self, output_dir: str | Path, output_format: str, cfg: Config | None = None
    ) -> None:
        super().__init__(write_interval="batch")
        self.cfg = cfg  # when given, its input volumes are never overwritten
        self.output_dir = Path(output_dir)
        self.output_format = output_format
        self.written: list[str] = []

    def write_on_batch_end(
        self,
        trainer: Any,
        pl_module: Any,
        prediction: Any,
        batch_indices: Any,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int,
    ) -> None:
        """Write one volume (or note where it was streamed)."""
        if prediction.get("path"):
            self.written.append(prediction["path"])
            return
        path = volume_file(self.output_dir, prediction["name"], "prediction", self.output_format)
        if self.cfg is not None:
            from connectomics.lightning.test_stage import refuse_input_overwrite

            refuse_input_overwrite(self.cfg, path)
        voxel = getattr(getattr(pl_module, "cfg", None), "data", None)
        voxel = getattr(voxel, "voxel_size", None)
        write_volume(
            str(path), prediction["prediction"], key="prediction", voxel_size=voxel, overwrite=True
        )
        self.written.append(str(path))
