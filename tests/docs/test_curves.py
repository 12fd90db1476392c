"""The docs' training curves are drawn from what the run logged to TensorBoard."""

from __future__ import annotations

import pytest

from tests.docs.curves import plot_curves, read_scalars


def test_logged_scalars_are_read_back_and_drawn(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(tmp_path / "run" / "version_0")
    for step, loss in enumerate([0.9, 0.6, 0.4]):
        writer.add_scalar("train/loss", loss, step)
    writer.add_scalar("val/dice", 0.75, 2)
    writer.add_scalar("epoch", 0, 2)
    writer.close()
    scalars = read_scalars(tmp_path / "run")
    assert list(scalars) == ["train/loss", "val/dice"]
    assert [(s, round(v, 3)) for s, v in scalars["train/loss"]] == [(0, 0.9), (1, 0.6), (2, 0.4)]
    out = tmp_path / "curves.png"
    assert plot_curves(tmp_path / "run", out) == ["train/loss", "val/dice"]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_run_without_scalars_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no TensorBoard scalars"):
        plot_curves(tmp_path, tmp_path / "curves.png")
