"""Errors of the Lightning layer that a user can cause."""


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: missing, corrupt, untrusted or without a config."""


class RunExistsError(FileExistsError):
    """A new run would write into a folder that already holds checkpoints."""
