"""Names of the metrics the Lightning module logs: what checkpoint/early-stopping may monitor."""

from fnmatch import fnmatchcase

from connectomics.config.checks.common import fail
from connectomics.config.suggest import did_you_mean

TRAIN_LOSS, VAL_LOSS, VAL_DICE, VAL_IOU = "train/loss", "val/loss", "val/dice", "val/iou"

# Logged every step/epoch by connectomics.lightning.ConnectomicsModule, with the direction
# each improves ("max" upward, "min" downward): the mode of the monitors that watch it.
LOGGED_METRICS: dict[str, str] = {
    TRAIN_LOSS: "min",
    VAL_LOSS: "min",
    VAL_DICE: "max",
    VAL_IOU: "max",
}

# Loss parts, e.g. "val/loss_0_DiceLoss" (the LossPlan's part names behind the prefix).
LOGGED_METRIC_PATTERNS: tuple[str, ...] = ("train/loss_*", "val/loss_*")

# Extra names ModelCheckpoint fills in a filename template besides the logged metrics.
FILENAME_FIELDS: tuple[str, ...] = ("epoch", "step")


def is_logged_metric(name: str) -> bool:
    """Whether `name` is a metric the module logs (exact name or a loss-part pattern)."""
    return name in LOGGED_METRICS or any(fnmatchcase(name, p) for p in LOGGED_METRIC_PATTERNS)


def better_mode(name: str) -> str:
    """ "max" when the logged metric `name` improves upward, else "min" (the mode of
    checkpoint, early-stopping and plateau monitors)."""
    return LOGGED_METRICS.get(name, "min")  # loss parts improve downward


def check_monitor(key: str, name: str) -> str:
    """`name` when the module logs it; else ConfigError at `key` with the closest name."""
    if is_logged_metric(name):
        return name
    hint = did_you_mean(name, LOGGED_METRICS)
    raise fail(
        key,
        f"{name!r} is not a metric the module logs",
        f"{hint}use one of {', '.join(LOGGED_METRICS)} (or a loss part train/loss_*, val/loss_*)",
    )


def check_mode(key: str, metric: str, mode: str) -> None:
    """ConfigError at `key` when `mode` watches `metric` in the direction it does not improve."""
    better = better_mode(metric)
    if mode != better:
        raise fail(
            key,
            f"{mode}, but {metric} improves {'upward' if better == 'max' else 'downward'}",
            f"set it to {better}",
        )
