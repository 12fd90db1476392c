"""Training curves as TensorBoard draws them, from a run's event files (for the docs' figures)."""

from __future__ import annotations

from pathlib import Path

# scalars that are bookkeeping, not curves
SKIPPED_TAGS = ("hp_metric", "epoch")


def read_scalars(run_dir: Path) -> dict[str, list[tuple[int, float]]]:
    """Tag -> (step, value) of every scalar in the TensorBoard event files under `run_dir`."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    scalars: dict[str, list[tuple[int, float]]] = {}
    for events in sorted({p.parent for p in Path(run_dir).rglob("events.out.tfevents.*")}):
        acc = EventAccumulator(str(events), size_guidance={"scalars": 0})
        acc.Reload()
        for tag in acc.Tags()["scalars"]:
            if tag not in SKIPPED_TAGS:
                scalars.setdefault(tag, []).extend((e.step, e.value) for e in acc.Scalars(tag))
    return {tag: sorted(points) for tag, points in sorted(scalars.items())}


def _panel(tag: str) -> str:
    if "loss" in tag:
        return tag.split("/")[0] + " loss"
    if tag.startswith("lr") or "learning_rate" in tag:
        return "learning rate"
    return tag.split("/")[0] + " metrics"


def plot_curves(run_dir: Path, out: Path) -> list[str]:
    """Draw the run's scalars (a panel each for train and val losses, metrics, learning rate)
    into `out`; the tags drawn. Raises ValueError when the run logged no scalars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scalars = read_scalars(run_dir)
    if not scalars:
        raise ValueError(f"{run_dir}: no TensorBoard scalars (events.out.tfevents.*) to plot")
    panels: dict[str, list[str]] = {}
    for tag in scalars:
        panels.setdefault(_panel(tag), []).append(tag)
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.2), squeeze=False)
    for ax, (title, tags) in zip(axes[0], panels.items(), strict=True):
        for tag in tags:
            steps, values = zip(*scalars[tag], strict=True)
            ax.plot(steps, values, marker="o", markersize=3, linewidth=1.5, label=tag)
        ax.set_title(title)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return list(scalars)
