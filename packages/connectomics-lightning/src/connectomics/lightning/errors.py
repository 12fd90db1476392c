"""Errors of the Lightning layer that a user can cause."""


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: missing, corrupt, untrusted or without a config."""


class RunExistsError(FileExistsError):
    """A new run would write into a folder that already holds checkpoints."""


class NonFiniteError(RuntimeError):
    """Training produced a NaN/inf loss or NaN/inf weights; the run was stopped."""


class CheckpointWriteError(OSError):
    """A checkpoint could not be written (disk full, read-only file system, ...)."""
