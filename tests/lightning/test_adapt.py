"""Mean-teacher adaptation: the teacher is the EMA of the student, the consistency loss on a
fixed unlabeled batch falls, and the written checkpoint predicts with the teacher's weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pytorch_lightning import Callback, seed_everything

from connectomics.data.io import open_volume
from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer
from connectomics.lightning.adapt import MeanTeacherModule, adapt, unlabeled_loader
from tests.config_edit import set_key


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_setup_module):
    write, overrides = tiny_setup_module
    from connectomics.config import load_config
    from tests.lightning.conftest import LUCCHI

    root = tmp_path_factory.mktemp("adapt")
    data = write(root / "data")
    cfg = load_config(str(LUCCHI), overrides=overrides(data, root / "run"))
    set_key(cfg, "decoding.tune.enabled", False)
    seed_everything(0)
    module = ConnectomicsModule(cfg)
    trainer = create_trainer(cfg)
    trainer.fit(module, datamodule=ConnectomicsDataModule(cfg))
    path = root / "base.ckpt"
    trainer.save_checkpoint(str(path))
    return path, data["test_image"] + ":raw"


@pytest.fixture(scope="module")
def tiny_setup_module():
    from tests.lightning.conftest import tiny_overrides, write_tiny_volumes

    return write_tiny_volumes, tiny_overrides


class Students(Callback):
    def __init__(self) -> None:
        self.steps: list[dict[str, torch.Tensor]] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.steps.append({k: v.detach().clone() for k, v in pl_module.model.state_dict().items()})


def test_teacher_is_the_ema_of_the_student(trained):
    import pytorch_lightning as pl

    path, image = trained
    module = MeanTeacherModule.load_from_checkpoint(path)
    module.teacher_decay, module.lr = 0.5, 1e-3
    start = {k: v.clone() for k, v in module.model.state_dict().items()}
    students = Students()
    trainer = pl.Trainer(
        max_steps=3,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        callbacks=[students],
        accelerator="cpu",
    )
    # Lightning runs callbacks' batch-end hooks before the module's: recorded = pre-EMA student
    trainer.fit(module, train_dataloaders=unlabeled_loader(module.cfg, open_volume(image), 3))
    assert len(students.steps) == 3
    for name, value in module.teacher.state_dict().items():
        if not value.dtype.is_floating_point:
            continue
        ema = start[name].double()
        for step in students.steps:
            ema = 0.5 * ema + 0.5 * step[name].double()
        torch.testing.assert_close(value.double(), ema, rtol=1e-5, atol=1e-6)
    changed = [
        n
        for n, v in module.teacher.state_dict().items()
        if v.dtype.is_floating_point and not torch.allclose(v, module.model.state_dict()[n])
    ]
    assert changed


def test_consistency_falls_and_the_checkpoint_predicts(trained, tmp_path):
    path, image = trained
    volume = open_volume(image)
    before = MeanTeacherModule.load_from_checkpoint(path)
    batch = next(iter(unlabeled_loader(before.cfg, volume, 1, seed=5)))["image"].float()

    def loss_of(module) -> float:
        torch.manual_seed(0)  # the same perturbation
        module.model.train(False)
        module._teacher = [module._frozen_copy()]  # the model against its own clean view
        with torch.no_grad():
            return float(module.consistency(batch))

    out = tmp_path / "adapted.ckpt"
    seed_everything(0)
    adapted = adapt(path, volume, out, steps=30, lr=3e-3, teacher_decay=0.9, accelerator="cpu")
    assert loss_of(MeanTeacherModule.load_from_checkpoint(out)) < 0.95 * loss_of(before)
    loaded = ConnectomicsModule.load_from_checkpoint(out)
    for name, value in loaded.model.state_dict().items():
        torch.testing.assert_close(value, adapted.teacher.state_dict()[name])
    prediction = loaded.predict_image(np.asarray(volume.read()))
    assert np.isfinite(prediction).all() and prediction.std() > 0


def test_cli_adapt_writes_a_checkpoint_and_refuses_bad_steps(trained, tmp_path, capsys):
    from connectomics.cli.main import main

    path, image = trained
    out = tmp_path / "cli.ckpt"
    assert (
        main(
            [
                "adapt",
                "--checkpoint",
                str(path),
                "--input",
                image,
                "--output",
                str(out),
                "--steps",
                "2",
            ]
        )
        == 0
    )
    assert ConnectomicsModule.load_from_checkpoint(out).cfg.model.architecture
    assert main(["adapt", "--checkpoint", str(path), "--input", image, "--steps", "0"]) == 2
    assert "error:" in capsys.readouterr().err
