"""Names of the metrics the Lightning module logs: what checkpoint/early-stopping may monitor."""

from fnmatch import fnmatchcase

# Logged every step/epoch by connectomics.lightning.ConnectomicsModule.
LOGGED_METRICS: tuple[str, ...] = ("train/loss", "val/loss", "val/dice", "val/iou")

# Loss parts, e.g. "val/loss_0_DiceLoss" (the LossPlan's part names behind the prefix).
LOGGED_METRIC_PATTERNS: tuple[str, ...] = ("train/loss_*", "val/loss_*")

# Logged metrics that improve upward; every other one (the losses) improves downward.
MAXIMIZED_METRICS: tuple[str, ...] = ("val/dice", "val/iou")

# Extra names ModelCheckpoint fills in a filename template besides the logged metrics.
FILENAME_FIELDS: tuple[str, ...] = ("epoch", "step")


def is_logged_metric(name: str) -> bool:
    """Whether `name` is a metric the module logs (exact name or a loss-part pattern)."""
    return name in LOGGED_METRICS or any(fnmatchcase(name, p) for p in LOGGED_METRIC_PATTERNS)


def better_mode(name: str) -> str:
    """ "max" when the logged metric `name` improves upward, else "min" (the mode of
    checkpoint, early-stopping and plateau monitors)."""
    return "max" if name in MAXIMIZED_METRICS else "min"
