"""Validation Dice/IoU: counts summed over the epoch, masked voxels left out."""

from __future__ import annotations

import pytest
import torch

from connectomics.config import output_activations
from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer
from connectomics.lightning.val_metrics import ForegroundOverlap
from tests.config_edit import set_key


def test_epoch_scores_count_every_voxel_not_a_mean_of_batches():
    overlap = ForegroundOverlap(threshold=0.5)
    # batch 1: 1 of 1 foreground voxel right; batch 2: 1 right, 3 false positives, 1 missed
    pred1, true1 = torch.tensor([[[0.9, 0.1]]]), torch.tensor([[[1.0, 0.0]]])
    pred2 = torch.tensor([[[0.9, 0.9, 0.9, 0.9, 0.1]]])
    true2 = torch.tensor([[[1.0, 0.0, 0.0, 0.0, 1.0]]])
    overlap.update(pred1, true1, None, ["sigmoid"])
    overlap.update(pred2, true2, None, ["sigmoid"])
    tp, fp, fn = 2, 3, 1
    assert float(overlap.dice.compute()) == pytest.approx(2 * tp / (2 * tp + fp + fn))
    assert float(overlap.iou.compute()) == pytest.approx(tp / (tp + fp + fn))
    # the mean of the two batches' Dice (1.0 and 2/6) would be 0.667
    assert float(overlap.dice.compute()) != pytest.approx((1.0 + 2 / 6) / 2)


def test_masked_voxels_and_non_sigmoid_channels_are_left_out():
    overlap = ForegroundOverlap(threshold=0.5)
    prob = torch.tensor([[[0.9, 0.9, 0.1], [0.9, 0.9, 0.9]]])  # channel 1 is not sigmoid
    target = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]])
    valid = torch.tensor([[[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]])  # the false positive is masked
    overlap.update(prob, target, valid, ["sigmoid", "tanh"])
    assert float(overlap.dice.compute()) == 1.0 and float(overlap.iou.compute()) == 1.0


def test_empty_epoch_scores_one_and_softmax_uses_the_argmax():
    overlap = ForegroundOverlap(threshold=0.5)
    background = torch.tensor([[[0.8, 0.7], [0.2, 0.3]]])  # argmax 0 everywhere
    overlap.update(background, torch.tensor([[[1.0, 1.0], [0.0, 0.0]]]), None, ["softmax"] * 2)
    assert float(overlap.dice.compute()) == 1.0


def test_the_logged_val_dice_is_the_epoch_score(tiny_cfg):
    set_key(tiny_cfg, "training.max_epochs", 1)
    set_key(tiny_cfg, "data.val_iterations", 3)
    set_key(tiny_cfg, "data.batch_size", 1)
    set_key(tiny_cfg, "evaluation.threshold", 0.0)  # all foreground: Dice 2t/(t+n)
    module, data = ConnectomicsModule(tiny_cfg), ConnectomicsDataModule(tiny_cfg)
    trainer = create_trainer(tiny_cfg, logger=False, enable_checkpointing=False)
    trainer.fit(module, datamodule=data)
    reference = ForegroundOverlap(tiny_cfg.evaluation.threshold)
    activations = list(output_activations(tiny_cfg))
    per_batch = []
    module.eval()
    with torch.no_grad():
        for batch in data.val_dataloader():
            logits = module(batch.image)
            logits = logits[0] if isinstance(logits, list | tuple) else logits
            probabilities = module.activate(logits.float())
            reference.update(probabilities, batch.target, batch.valid, activations)
            alone = ForegroundOverlap(tiny_cfg.evaluation.threshold)
            alone.update(probabilities, batch.target, batch.valid, activations)
            per_batch.append(float(alone.dice.compute()))
    logged = float(trainer.callback_metrics["val/dice"])
    assert logged != pytest.approx(sum(per_batch) / len(per_batch), abs=1e-4)
    assert logged == pytest.approx(float(reference.dice.compute()), abs=1e-6)
