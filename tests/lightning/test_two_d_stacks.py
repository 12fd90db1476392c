"""2D models test and predict z-stacks section by section; a wrong channel count is one error."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from connectomics.data.errors import DataError
from connectomics.data.inference import InferenceOptions, predict_volume
from connectomics.data.inference.sections import SectionModel, SlabModel, fit_model_to_input
from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer
from tests.config_edit import set_key


def test_section_model_equals_predicting_each_section_alone():
    torch.manual_seed(0)
    net = torch.nn.Conv2d(1, 2, 3, padding=1)
    stack = np.random.default_rng(0).random((5, 12, 14), dtype=np.float32)
    options = InferenceOptions.from_keywords(window_size=[8, 8], overlap=0.5, activation="sigmoid")
    model, fitted = fit_model_to_input(net, stack.shape, options, 1, "stack")
    assert isinstance(model, SectionModel) and fitted.window_size == (1, 8, 8)
    whole = predict_volume(model, stack, options=fitted)
    for z in range(stack.shape[0]):
        alone = predict_volume(net, stack[z], options=options)
        np.testing.assert_allclose(whole[:, z], alone, atol=1e-6)


def test_a_3d_model_predicts_a_single_image_as_a_slab_as_deep_as_its_window():
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv3d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv3d(4, 2, 3, padding=1)
    ).eval()
    image = np.random.default_rng(1).random((20, 18), dtype=np.float32)
    # constant blending: the Gaussian's floor would weigh the two windowings slightly apart
    options = InferenceOptions.from_keywords(
        window_size=[4, 8, 8], overlap=0.5, activation="sigmoid", blending="constant"
    )
    model, fitted = fit_model_to_input(net, image.shape, options, 1, "image.tif")
    assert isinstance(model, SlabModel) and fitted.window_size == (8, 8)
    flat = predict_volume(model, image, options=fitted)
    assert flat.shape == (2, 20, 18)
    # the same as the middle section of the image repeated to one window's depth
    slab = np.repeat(image[None], 4, axis=0)
    deep = predict_volume(net, slab, options=options)
    np.testing.assert_allclose(flat, deep[:, 2], atol=1e-5)


def test_channel_count_must_match_in_channels():
    with pytest.raises(DataError, match=r"has 2 channel\(s\).*model.in_channels=1"):
        options = InferenceOptions.from_keywords(window_size=[4, 8, 8])
        fit_model_to_input(None, (2, 4, 8, 8), options, 1, "vol.h5")


def test_trainer_tests_a_z_stack_with_a_2d_model(tiny_cfg, tmp_path):
    for key, value in {
        "model.architecture": "unet",
        "model.spatial_dims": 2,
        "data.patch_size": [16, 16],
        "inference.window_size": [16, 16],
        "evaluation.metrics": ["dice", "adapted_rand"],
        "inference.output_path": str(tmp_path / "preds"),
    }.items():
        set_key(tiny_cfg, key, value)
    module = ConnectomicsModule(tiny_cfg)
    data = ConnectomicsDataModule(tiny_cfg)
    trainer = create_trainer(tiny_cfg, logger=False)
    trainer.fit(module, datamodule=data)
    results = trainer.test(module, datamodule=data)[0]
    from connectomics.data.io import read_volume

    pred = read_volume(str(tmp_path / "preds" / "test_im_prediction.zarr"), key="prediction")
    assert pred.shape == (1, 16, 32, 32)
    # the logged score is the Dice of the whole written stack against the test label
    truth = read_volume(tiny_cfg.data.test_label, key="label") > 0
    mask = pred[0] > tiny_cfg.evaluation.threshold
    dice = 2 * np.logical_and(mask, truth).sum() / (mask.sum() + truth.sum())
    assert results["test/dice"] == pytest.approx(dice, abs=1e-4)
