"""A quiet command by default: our progress bars and result lines, not the libraries' chatter.

`connectomics --verbose ...` (or `-v` anywhere) keeps everything the libraries print.
"""

from __future__ import annotations

import logging
import os
import warnings

# Loggers of Lightning's informational lines: "GPU available", "TPU available", the LitLogger
# advertisement ("💡 Tip: ..."), "Seed set to", "`Trainer.fit` stopped", "Loading
# `train_dataloader` to estimate ...". Their warnings go through `warnings` and stay.
CHATTY_LOGGERS = (
    "pytorch_lightning.utilities.rank_zero",
    "lightning_fabric.utilities.rank_zero",
    "lightning_fabric.utilities.seed",
    "lightning.pytorch.utilities.rank_zero",
    "lightning.fabric.utilities.rank_zero",
    "lightning.fabric.utilities.seed",
)
# Lightning's advice that does not apply to our runs (we size logging and workers ourselves;
# a fresh run's folder is checked by connectomics' own run lock, not by this message).
NOISE = (
    r"Checkpoint directory .* exists and is not empty",
    r"The number of training batches .* is smaller than the logging interval",
    r"The '\w+_dataloader' does not have many workers",
    r".*LeafSpec.* is deprecated",
)


# --verbose for compiled libraries' stdout too (connectomics.data.native_output reads the same
# name; spelled here so that --help imports nothing of the data package) and model summaries
VERBOSE_ENV = "CONNECTOMICS_VERBOSE"


def is_verbose() -> bool:
    """Whether this command runs with --verbose."""
    return bool(os.environ.get(VERBOSE_ENV))


def quiet(verbose: bool = False) -> None:
    """Hide third-party tips, repeated device lines and deprecation warnings unless `verbose`."""
    if verbose:
        os.environ[VERBOSE_ENV] = "1"
        return
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    for message in NOISE:
        warnings.filterwarnings("ignore", message=message)


def split_verbose(argv: list[str]) -> tuple[list[str], bool]:
    """`argv` without `--verbose`/`-v`, and whether one was there (accepted before or after the command)."""
    kept = [a for a in argv if a not in ("--verbose", "-v")]
    return kept, len(kept) != len(argv)
