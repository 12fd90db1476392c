"""`RunFolderLock`: one training run at a time writes a checkpoint folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytorch_lightning import Callback, Trainer

from connectomics.data.locking import WriterLock

LOCK_NAME = ".connectomics-run.lock"


class RunFolderLock(Callback):
    """Hold `<folder>/.connectomics-run.lock` while fitting (rank 0); a second run into the
    same folder gets LockedError naming the holder's pid and host."""

    def __init__(self, folder: str | Path) -> None:
        super().__init__()
        self.lock = WriterLock(Path(folder) / LOCK_NAME, f"training run folder {folder}")

    def setup(self, trainer: Trainer, pl_module: Any, stage: str) -> None:
        """Take the lock when fitting starts."""
        if stage == "fit" and trainer.is_global_zero and not self.lock.held:
            self.lock.acquire()

    def teardown(self, trainer: Trainer, pl_module: Any, stage: str) -> None:
        """Release it when fitting ends."""
        self.lock.release()

    def on_exception(self, trainer: Trainer, pl_module: Any, exception: BaseException) -> None:
        """Release it when fitting fails (Lightning skips teardown hooks then)."""
        self.lock.release()
