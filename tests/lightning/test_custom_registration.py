"""A target and an augmentation registered from outside the package work from a config.

The target here is "edge distance + foreground": channel 0 is the in-object distance to the
object's boundary scaled to [0, 1] (continuous), channel 1 the foreground (binary).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from monai.transforms import RandLambdad
from scipy import ndimage

from connectomics.config import load_config
from connectomics.config.errors import ConfigError
from connectomics.config.target_specs import TARGET_SPECS, TargetSpec
from connectomics.data.augment.registry import (
    AUGMENTATION_REGISTRY,
    CUSTOM_SECTIONS,
    SCHEMA_SECTIONS,
    register_augmentation,
)
from connectomics.data.decoding import build_decoder
from connectomics.data.inference import predict_volume
from connectomics.data.io import read_volume
from connectomics.data.targets import TARGET_REGISTRY, register_target
from connectomics.data.targets.base import LabelTargetd
from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer
from connectomics.lightning.test_stage import score_and_write
from tests.config_edit import set_key

REPO = Path(__file__).resolve().parents[2]
TARGET, AUGMENTATION = "test_edge_distance", "test_invert"

TARGET_YAML = f"""\
_base_: {REPO / "tutorials" / "lucchi.yaml"}
model:
  out_channels: 2
  loss_functions: [BCEWithLogitsLoss, DiceLoss]
  loss_weights: [1.0, 1.0]
  loss_kwargs: [{{}}, {{sigmoid: true}}]
  loss_channels: [[0, 1], [1]]
data:
  targets:
    - name: {TARGET}
      kwargs: {{scale: 4.0}}
"""


class EdgeDistanced(LabelTargetd):
    """Distance to the object boundary (tanh(d / scale)) and the foreground, per voxel."""

    def __init__(self, scale: float = 4.0, **keys: str) -> None:
        super().__init__(**keys)
        self.scale = float(scale)

    def compute(self, label, mask):
        """(distance, foreground) channels; everything valid."""
        foreground = label > 0
        distance = np.tanh(ndimage.distance_transform_edt(foreground) / self.scale)
        return np.stack([distance, foreground]).astype(np.float32), None


@pytest.fixture(scope="module")
def registered():
    """The custom target and augmentation, registered as a user's package would."""
    register_target(TARGET, spec=TargetSpec(channels=2, continuous=(True, False), foreground=1))(
        EdgeDistanced
    )

    @register_augmentation(AUGMENTATION, defaults={"strength": 1.0})
    def build_invert(section, keys, spatial_dims):
        """Image -> strength - image with probability prob."""
        strength = float(section["strength"])
        return RandLambdad([keys[0]], lambda x: strength - x, prob=float(section["prob"]))

    yield
    for registry in (TARGET_REGISTRY, TARGET_SPECS):
        registry.pop(TARGET)
    for registry in (AUGMENTATION_REGISTRY, CUSTOM_SECTIONS):
        registry.pop(AUGMENTATION)


@pytest.fixture
def target_cfg(registered, tmp_path, tiny_data, tiny_setup):
    """lucchi.yaml with the custom target (from a YAML file) on the tiny volumes."""
    _, tiny_overrides = tiny_setup
    path = tmp_path / "edge.yaml"
    path.write_text(TARGET_YAML)
    return load_config(path, overrides=tiny_overrides(tiny_data, tmp_path / "run"))


def test_custom_target_validates_and_sizes_model_and_loss(registered, target_cfg, tmp_path):
    bad = tmp_path / "bad.yaml"
    one_channel = TARGET_YAML.replace("out_channels: 2", "out_channels: 1")
    bad.write_text(one_channel.replace("[[0, 1], [1]]", "[[0], [0]]"))
    with pytest.raises(ConfigError, match=rf"out_channels.*\({TARGET}: 2\).*out_channels: 2"):
        load_config(bad)
    module = ConnectomicsModule(target_cfg)
    assert module.layout.slot(TARGET).channels == slice(0, 2)
    with torch.no_grad():
        assert module.eval()(torch.zeros(1, 1, 8, 16, 16)).shape == (1, 2, 8, 16, 16)
    plan = module.loss_plan
    assert [r.channels for r in plan.routes] == [[0, 1], [1]]
    assert plan.continuous_channels == [True, False]
    assert module._activation_names == ["sigmoid", "sigmoid"]


def test_custom_target_foreground_channel_is_decoded_and_scored(target_cfg, tmp_path):
    set_key(target_cfg, "inference.output_path", str(tmp_path / "out"))
    truth = np.zeros((8, 16, 16), dtype=np.uint32)
    truth[2:6, 2:7, 2:7], truth[2:6, 9:14, 9:14] = 1, 2
    # channel 0 (distance) says nothing, channel 1 (foreground) holds the two objects
    prediction = np.stack([np.zeros(truth.shape), (truth > 0) * 0.9]).astype(np.float32)
    labels = build_decoder(target_cfg)(prediction)
    assert len(np.unique(labels)) == 3
    assert np.array_equal(labels > 0, truth > 0)
    scores = score_and_write(target_cfg, "synthetic", prediction, truth)
    assert scores["dice"] == pytest.approx(1.0) and scores["iou"] == pytest.approx(1.0)


def test_custom_target_trains_and_predicts_its_channels(target_cfg, tmp_path):
    set_key(target_cfg, "training.max_epochs", 10)
    set_key(target_cfg, "optimizer.lr", 0.01)
    set_key(target_cfg, "scheduler.name", "none")
    set_key(target_cfg, "inference.output_path", str(tmp_path / "preds"))
    torch.manual_seed(0)
    module, data = ConnectomicsModule(target_cfg), ConnectomicsDataModule(target_cfg)
    data.setup("fit")
    batch = next(iter(data.train_dataloader()))
    images, target = batch
    assert target.shape[1] == 2
    foreground = target[:, 1]
    assert torch.equal(foreground, (target[:, 0] > 0).float())  # distance > 0 inside objects
    assert 0.0 < float(target[:, 0].max()) < 1.0

    def loss() -> float:
        module.eval()
        with torch.no_grad():
            return float(module.compute_loss(module(images), target, valid=batch.valid))

    before = loss()
    create_trainer(target_cfg, logger=False, enable_checkpointing=False).fit(module, data)
    after = loss()
    assert after < 0.8 * before

    # one window over the whole volume: no blending between the logits and the activation
    set_key(target_cfg, "inference.window_size", [16, 32, 32])
    out = create_trainer(target_cfg, logger=False).predict(module, datamodule=data)
    prediction = out[0]["prediction"]
    assert prediction.shape == (2, 16, 32, 32)
    written = read_volume(str(tmp_path / "preds" / "test_im_prediction.zarr"), key="prediction")
    assert np.allclose(written, prediction)
    # the activation is the spec's sigmoid on both channels: compare with raw logits
    image = read_volume(target_cfg.data.test_image, key="raw")
    model, options = module.inference_setup(image)
    logits = predict_volume(model, image, options=replace(options, activation=("none",)))
    assert np.allclose(prediction, 1.0 / (1.0 + np.exp(-logits)), atol=1e-5)


def _first_batch(cfg):
    """The first training batch the DataModule yields for `cfg`."""
    data = ConnectomicsDataModule(cfg)
    data.setup("fit")
    return next(iter(data.train_dataloader()))


def test_custom_augmentation_changes_the_crops_from_the_config(
    registered, tmp_path, tiny_data, tiny_setup
):
    _, tiny_overrides = tiny_setup
    only_custom = [
        "data.augmentation.enabled=true",
        *(f"data.augmentation.{n}.enabled=false" for n in SCHEMA_SECTIONS - {"enabled"}),
    ]
    base = [*tiny_overrides(tiny_data, tmp_path / "run"), *only_custom]
    plain = _first_batch(load_config(REPO / "tutorials" / "lucchi.yaml", overrides=base))
    cfg = load_config(
        REPO / "tutorials" / "lucchi.yaml",
        overrides=[
            *base,
            f"data.augmentation.{AUGMENTATION}.enabled=true",
            f"data.augmentation.{AUGMENTATION}.prob=1.0",
            f"data.augmentation.{AUGMENTATION}.strength=2.0",
        ],
    )
    assert dict(getattr(cfg.data.augmentation, AUGMENTATION)) == {
        "enabled": True,
        "prob": 1.0,
        "strength": 2.0,
    }
    inverted = _first_batch(cfg)
    assert not torch.equal(plain.image, inverted.image)
    assert torch.allclose(inverted.image, 2.0 - plain.image, atol=1e-6)
    assert torch.equal(inverted.target, plain.target)
    with pytest.raises(
        ConfigError, match=rf"{AUGMENTATION}.strenght: unknown key; did you mean strength"
    ):
        load_config("demo", overrides=[f"data.augmentation.{AUGMENTATION}.strenght=2"])
