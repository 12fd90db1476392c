"""Checkpoint files written atomically and read back safely (tensors only)."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

import torch
from lightning_fabric.plugins.io.torch_io import TorchCheckpointIO

from connectomics.lightning.errors import CheckpointError, CheckpointWriteError

_WRITE_ERRORS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
}


def atomic_torch_save(obj: Any, path: str | os.PathLike[str]) -> None:
    """`torch.save` to a temporary file beside `path`, fsync it, then rename it over `path`.

    The temporary file lives in the destination folder, so the rename never crosses file
    systems: a crash or a full disk leaves the previous file intact, never a partial one.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(obj, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in _WRITE_ERRORS:
            raise CheckpointWriteError(
                exc.errno,
                f"cannot write checkpoint {target}: {_WRITE_ERRORS[exc.errno]}; the previous "
                "file there is kept; free space or set checkpoint.dirpath / logging.save_dir "
                "to a writable folder",
            ) from exc
        raise
    _fsync_folder(target.parent)
    for leftover in target.parent.glob(f".{target.name}.*.tmp"):  # from saves killed earlier
        leftover.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.EBADF):  # folder fsync unsupported there
            raise
    finally:
        os.close(fd)


def safe_torch_load(
    path: str | os.PathLike[str] | BinaryIO, map_location: Any = "cpu", where: str = ""
) -> Any:
    """The one checkpoint reader: `torch.load` with `weights_only=True` always; unreadable
    files raise CheckpointError (prefixed with `where`, e.g. "model.init_from: ")."""
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as exc:  # torch raises many types for corrupt/untrusted files
        raise CheckpointError(
            f"{where}cannot read checkpoint {getattr(path, 'name', path)}: corrupt, truncated "
            f"or holding untrusted pickled objects ({type(exc).__name__}); give a .ckpt "
            "written by connectomics train"
        ) from exc


def check_finite_weights(state_dict: Any, path: str | os.PathLike[str]) -> None:
    """CheckpointError naming the first floating tensor of `state_dict` holding NaN/inf."""
    for name, tensor in dict(state_dict).items():
        if isinstance(tensor, torch.Tensor) and tensor.is_floating_point():
            bad = int((~torch.isfinite(tensor)).sum())
            if bad:
                raise CheckpointError(
                    f"{path}: weight {name} holds {bad} NaN/inf value(s); the checkpoint is "
                    "unusable (train again, or use an earlier checkpoint of the run)"
                )


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning checkpoint IO: atomic writes, and loads restricted to tensors (weights_only)."""

    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: Any, storage_options: Any | None = None
    ) -> None:
        """Write `checkpoint` atomically at `path` (local paths; others go to Lightning)."""
        if storage_options is not None or "://" in str(path):
            super().save_checkpoint(checkpoint, path, storage_options)
            return
        atomic_torch_save(checkpoint, path)

    def load_checkpoint(
        self, path: Any, map_location: Any = None, weights_only: bool | None = None
    ) -> dict[str, Any]:
        """Load with weights_only=True whatever the caller or TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD say."""
        if "://" in str(path):
            return super().load_checkpoint(path, map_location, weights_only=True)
        if not Path(path).is_file():
            raise FileNotFoundError(f"checkpoint not found: {path}")
        checkpoint = safe_torch_load(path, map_location=map_location or "cpu")
        if not isinstance(checkpoint, dict):
            raise CheckpointError(f"{path} holds a {type(checkpoint).__name__}, not a checkpoint")
        return checkpoint


def check_resume_checkpoint(path: str | os.PathLike[str], module: Any = None) -> None:
    """CheckpointError unless `path` is a readable Lightning training checkpoint (whose weights
    fit `module`, when given: its on_load_checkpoint check runs on the loaded checkpoint)."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"checkpoint to resume not found: {path}")
    checkpoint = safe_torch_load(path)
    needed = ("state_dict", "loops", "optimizer_states", "pytorch-lightning_version")
    missing = [k for k in needed if not isinstance(checkpoint, dict) or k not in checkpoint]
    if missing:
        raise CheckpointError(
            f"{path} is not a Lightning training checkpoint (no {missing[0]}); resume from a "
            ".ckpt written by connectomics train, e.g. last.ckpt of the run"
        )
    check_finite_weights(checkpoint["state_dict"], path)
    if module is not None and hasattr(module, "on_load_checkpoint"):
        module.on_load_checkpoint(checkpoint)
