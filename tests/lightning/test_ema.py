"""training.ema_decay: Lightning's EMAWeightAveraging; the final weights are the EMA of the
weight trajectory the optimizer took."""

from __future__ import annotations

import torch
from pytorch_lightning import Callback, seed_everything

from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer
from tests.config_edit import set_key


class Trajectory(Callback):
    """The raw weights after every optimizer step."""

    def __init__(self) -> None:
        self.steps: list[dict[str, torch.Tensor]] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.steps.append({k: v.detach().clone() for k, v in pl_module.model.state_dict().items()})


def test_final_weights_are_the_ema_of_the_trajectory(tiny_cfg):
    decay = 0.6
    set_key(tiny_cfg, "training.ema_decay", decay)
    set_key(tiny_cfg, "training.max_epochs", 2)
    set_key(tiny_cfg, "decoding.tune.enabled", False)
    seed_everything(0)
    module = ConnectomicsModule(tiny_cfg)
    trajectory = Trajectory()
    trainer = create_trainer(tiny_cfg, callbacks=[trajectory])
    trainer.fit(module, datamodule=ConnectomicsDataModule(tiny_cfg))
    steps = trajectory.steps
    assert len(steps) == 4
    final = module.model.state_dict()
    raw = steps[-1]
    for name, value in final.items():
        if not value.dtype.is_floating_point:
            continue
        ema = steps[0][name].double()
        for step in steps[1:]:
            ema = decay * ema + (1 - decay) * step[name].double()
        torch.testing.assert_close(value.double(), ema, rtol=1e-5, atol=1e-6)
    moved = [
        n for n, v in final.items() if v.dtype.is_floating_point and not torch.allclose(v, raw[n])
    ]
    assert moved  # the averaged weights are not the last raw ones
