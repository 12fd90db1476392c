"""data.steps_per_epoch counts optimizer steps, whatever the batch size and accumulation."""

from __future__ import annotations

import pytest

from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer
from tests.config_edit import set_key


@pytest.mark.parametrize(("batch", "accumulate"), [(2, 1), (1, 2)])
def test_an_epoch_is_steps_per_epoch_optimizer_steps(tiny_cfg, batch, accumulate):
    for key, value in {
        "data.steps_per_epoch": 3,
        "data.batch_size": batch,
        "training.accumulate_grad_batches": accumulate,
        "training.max_epochs": 1,
    }.items():
        set_key(tiny_cfg, key, value)
    trainer = create_trainer(tiny_cfg, logger=False, enable_checkpointing=False)
    data = ConnectomicsDataModule(tiny_cfg)
    trainer.fit(ConnectomicsModule(tiny_cfg), datamodule=data)
    assert trainer.global_step == 3
    assert len(data.train_dataset) == 3 * batch * accumulate
