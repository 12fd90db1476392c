"""ConnectomicsModule: training lowers the loss, checkpoints round-trip, test/predict write."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from connectomics.config.metrics_logged import LOGGED_METRICS
from connectomics.lightning import (
    CheckpointError,
    ConnectomicsDataModule,
    ConnectomicsModule,
    create_trainer,
)
from tests.config_edit import set_key


def _fit(cfg, **overrides):
    module, data = ConnectomicsModule(cfg), ConnectomicsDataModule(cfg)
    trainer = create_trainer(cfg, **overrides)
    trainer.fit(module, datamodule=data)
    return module, data, trainer


def test_training_lowers_the_loss_and_logs_named_parts(tiny_cfg):
    set_key(tiny_cfg, "training.max_epochs", 6)
    set_key(tiny_cfg, "optimizer.lr", 0.01)
    set_key(tiny_cfg, "scheduler.name", "none")
    module, data, trainer = _fit(tiny_cfg)
    metrics = trainer.callback_metrics
    assert set(LOGGED_METRICS) <= set(metrics)
    assert any(k.startswith("train/loss_0_") for k in metrics)
    assert any(k.startswith("val/loss_1_") for k in metrics)
    events = sorted(Path(trainer.logger.log_dir).glob("events.out.tfevents*"))
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(events[0]))
    acc.Reload()
    losses = [e.value for e in acc.Scalars("train/loss_epoch")]
    assert len(losses) == 6 and losses[-1] < losses[0]


def test_checkpoint_loads_with_and_without_cfg(tiny_cfg):
    module, _, trainer = _fit(tiny_cfg)
    last = Path(trainer.checkpoint_callback.dirpath) / "last.ckpt"
    raw = torch.load(last, weights_only=True)  # plain content only: no pickled classes
    assert isinstance(raw["connectomics_config"], str)
    alone = ConnectomicsModule.load_from_checkpoint(last)
    given = ConnectomicsModule.load_from_checkpoint(str(last), cfg=tiny_cfg)
    x = torch.rand(1, 1, 8, 16, 16)
    module.eval(), alone.eval(), given.eval()
    with torch.no_grad():
        expected = module(x)
        assert torch.allclose(alone(x), expected, atol=1e-6)
        assert torch.allclose(given(x), expected, atol=1e-6)
    assert alone.cfg.model.filters == [4, 8]


def test_corrupt_or_untrusted_checkpoint_raises_checkpoint_error(tmp_path, tiny_cfg):
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(b"\x80\x04not a checkpoint at all")
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        ConnectomicsModule.load_from_checkpoint(bad)

    class Evil:
        def __reduce__(self):
            return (print, ("ran code",))

    untrusted = tmp_path / "untrusted.ckpt"
    torch.save({"state_dict": {}, "payload": Evil()}, untrusted)
    with pytest.raises(CheckpointError, match="untrusted"):
        ConnectomicsModule.load_from_checkpoint(untrusted)
    with pytest.raises(CheckpointError, match="not found"):
        ConnectomicsModule.load_from_checkpoint(tmp_path / "missing.ckpt")
    no_cfg = tmp_path / "nocfg.ckpt"
    torch.save({"state_dict": {}}, no_cfg)
    with pytest.raises(CheckpointError, match="pass cfg="):
        ConnectomicsModule.load_from_checkpoint(no_cfg)


def test_custom_model_is_wrapped_and_compute_loss_takes_weights(tiny_cfg):
    net = torch.nn.Conv3d(1, 1, 3, padding=1)
    module = ConnectomicsModule(tiny_cfg, model=net)
    assert module.model is net
    assert module.get_model_info()["parameters"] == sum(p.numel() for p in net.parameters())
    out = module(torch.rand(2, 1, 8, 16, 16))
    target = (torch.rand(2, 1, 8, 16, 16) > 0.5).float()
    full = module.compute_loss(out, target)
    none_valid = module.compute_loss(out, target, valid=torch.zeros_like(target))
    assert full.item() > 0 and not torch.isclose(full, none_valid)


def test_trainer_test_writes_outputs_and_logs_metrics(tiny_cfg, tmp_path):
    set_key(tiny_cfg, "evaluation.metrics", ["dice", "iou", "adapted_rand", "voi"])
    set_key(tiny_cfg, "inference.output_path", str(tmp_path / "preds"))
    module, data, trainer = _fit(tiny_cfg)
    results = trainer.test(module, datamodule=data)[0]
    for key in ("test/dice", "test/iou", "test/adapted_rand"):
        assert key in results and 0.0 <= results[key] <= 1.0
    assert any(k.startswith("test/voi") for k in results)
    from connectomics.data.io import read_volume

    pred = read_volume(str(tmp_path / "preds" / "test_im_prediction.zarr"), key="prediction")
    seg = read_volume(str(tmp_path / "preds" / "test_im_segmentation.zarr"), key="segmentation")
    assert pred.shape == (1, 16, 32, 32) and seg.shape == (16, 32, 32)
    assert 0.0 <= pred.min() and pred.max() <= 1.0


def test_predict_returns_small_volumes_and_streams_chunked_ones(tiny_cfg, tmp_path):
    from connectomics.data.io import read_volume
    from connectomics.lightning.writers import VolumePredictionWriter

    set_key(tiny_cfg, "inference.output_path", str(tmp_path / "in_memory"))
    module, data = ConnectomicsModule(tiny_cfg), ConnectomicsDataModule(tiny_cfg)
    trainer = create_trainer(tiny_cfg, logger=False)
    out = trainer.predict(module, datamodule=data)
    assert len(out) == 1 and out[0]["prediction"].shape == (1, 16, 32, 32)
    writer = next(c for c in trainer.callbacks if isinstance(c, VolumePredictionWriter))
    written = read_volume(writer.written[0], key="prediction")
    assert torch.allclose(torch.as_tensor(written), torch.as_tensor(out[0]["prediction"]))

    set_key(tiny_cfg, "inference.output_path", str(tmp_path / "streamed"))
    set_key(tiny_cfg, "inference.chunk_size", [8, 16, 16])
    module = ConnectomicsModule(tiny_cfg)
    module.load_state_dict(trainer.lightning_module.state_dict())
    streamed = create_trainer(tiny_cfg, logger=False).predict(module, datamodule=data)
    assert streamed[0]["prediction"] is None
    chunked = read_volume(streamed[0]["path"], key="prediction")
    assert chunked.shape == (1, 16, 32, 32)
    assert abs(chunked - out[0]["prediction"]).max() < 0.05
