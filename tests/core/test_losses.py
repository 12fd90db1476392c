"""Loss registry and loss plan: fits, channel routing, weights, masks, deep supervision."""

from __future__ import annotations

import pickle

import pytest
import torch
import torch.nn.functional as F

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config, ModelConfig, TargetConfig
from connectomics.config.validation import validate_section
from connectomics.losses import (
    LOSS_REGISTRY,
    build_loss_plan,
    build_loss_term,
    default_scale_weights,
    list_losses,
    register_loss,
)
from connectomics.losses.resize import resize_nearest, resize_target

REQUIRED = {
    "DiceLoss",
    "DiceCELoss",
    "FocalLoss",
    "TverskyLoss",
    "GeneralizedDiceLoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "MSELoss",
    "L1Loss",
    "WeightedBCEWithLogitsLoss",
    "WeightedMSELoss",
    "SoftclDiceLoss",
    "BalancedBCEWithLogitsLoss",
}


def config_error_type() -> type[Exception]:
    """The config package's ConfigError (a ValueError)."""
    from connectomics.config.errors import ConfigError

    return ConfigError


def make_cfg(out_channels: int = 2, **model) -> Config:
    """A full config whose model section carries `model` (the sections are not checked
    against each other: the targets stay the default)."""
    section = validate_section(ModelConfig, {"out_channels": out_channels, **model})
    return Config.model_construct(model=section)


def target_for(name: str, shape: tuple[int, ...], seed: int = 0) -> torch.Tensor:
    """A target suited to loss `name`: one-hot for CE, a binary blob map otherwise."""
    gen = torch.Generator().manual_seed(seed)
    binary = (torch.rand(shape, generator=gen) > 0.6).float()
    if name == "CrossEntropyLoss":
        labels = binary[:, 0].long()
        return F.one_hot(labels, shape[1]).movedim(-1, 1).float()
    return binary


def test_registry_lists_required_losses():
    assert REQUIRED <= set(list_losses())
    assert list_losses() == sorted(LOSS_REGISTRY)


@pytest.mark.parametrize("name", sorted(LOSS_REGISTRY))
def test_each_loss_decreases_in_a_short_fit(name):
    torch.manual_seed(0)
    shape = (2, 2, 4, 8, 8)
    target = target_for(name, shape)
    logits = torch.zeros(shape, requires_grad=True)
    plan = build_loss_plan(make_cfg(loss_functions=[name]))
    optimizer = torch.optim.Adam([logits], lr=0.2)
    first = None
    for _ in range(15):
        optimizer.zero_grad()
        total, parts = plan(logits, target)
        total.backward()
        optimizer.step()
        first = float(total.detach()) if first is None else first
    with torch.no_grad():
        final = float(plan(logits, target)[0])
    assert final < 0.8 * first, (name, first, final)
    assert set(parts) == {f"loss_0_{name}"}


def test_loss_decreases_when_training_a_tiny_conv_model():
    torch.manual_seed(0)
    image = torch.rand(2, 1, 8, 16, 16)
    target = (image > 0.5).float()
    model = torch.nn.Conv3d(1, 1, 3, padding=1)
    plan = build_loss_plan(
        make_cfg(
            1, loss_functions=["DiceLoss", "WeightedBCEWithLogitsLoss"], loss_weights=[1.0, 1.0]
        )
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    losses = []
    for _ in range(25):
        optimizer.zero_grad()
        total, _ = plan(model(image), target)
        total.backward()
        optimizer.step()
        losses.append(float(total.detach()))
    assert losses[-1] < 0.8 * losses[0]


def test_routing_sends_each_loss_only_its_channels():
    seen: list[dict] = []

    @register_loss("TestRecordingLoss")
    class Recording(torch.nn.Module):
        def __init__(self, tag: str = "") -> None:
            super().__init__()
            self.tag = tag

        def forward(self, logits, target, weight=None):
            seen.append({"tag": self.tag, "logits": logits, "target": target, "weight": weight})
            return logits.sum() * 0 + 1.0

    try:
        cfg = make_cfg(
            4,
            loss_functions=["TestRecordingLoss", "TestRecordingLoss"],
            loss_weights=[1.0, 2.0],
            loss_kwargs=[{"tag": "affinity"}, {"tag": "boundary"}],
            loss_channels=[[0, 1, 2], [3]],
        )
        plan = build_loss_plan(cfg)
        logits = torch.randn(2, 4, 4, 6, 6)
        target = torch.rand(2, 4, 4, 6, 6)
        weight = torch.rand(2, 4, 4, 6, 6)
        valid = (torch.rand(2, 4, 4, 6, 6) > 0.3).float()
        total, parts = plan(logits, target, weight=weight, valid=valid)
        assert [s["tag"] for s in seen] == ["affinity", "boundary"]
        assert torch.equal(seen[0]["logits"], logits[:, :3])
        assert torch.equal(seen[0]["target"], target[:, :3])
        assert torch.allclose(seen[0]["weight"], (weight * valid)[:, :3])
        assert torch.equal(seen[1]["logits"], logits[:, 3:])
        assert torch.equal(seen[1]["target"], target[:, 3:])
        assert torch.allclose(seen[1]["weight"], (weight * valid)[:, 3:])
        assert float(total) == pytest.approx(3.0)
        assert set(parts) == {"loss_0_TestRecordingLoss", "loss_1_TestRecordingLoss"}
    finally:
        LOSS_REGISTRY.pop("TestRecordingLoss")


def test_total_is_weighted_sum_of_named_parts():
    cfg = make_cfg(2, loss_functions=["DiceLoss", "BCEWithLogitsLoss"], loss_weights=[0.5, 3.0])
    logits, target = torch.randn(1, 2, 4, 8, 8), target_for("DiceLoss", (1, 2, 4, 8, 8))
    total, parts = build_loss_plan(cfg)(logits, target)
    expected = 0.5 * parts["loss_0_DiceLoss"] + 3.0 * parts["loss_1_BCEWithLogitsLoss"]
    assert torch.allclose(total, expected)
    assert torch.allclose(
        parts["loss_1_BCEWithLogitsLoss"], F.binary_cross_entropy_with_logits(logits, target)
    )
    assert all(not p.requires_grad for p in parts.values())


def test_dice_family_gets_sigmoid_on_logits_by_default_and_softmax_on_request():
    target = target_for("DiceLoss", (1, 1, 4, 8, 8))
    perfect_logits = (target * 2 - 1) * 20
    assert float(build_loss_term("DiceLoss")(perfect_logits, target)) < 1e-3
    assert float(build_loss_term("TverskyLoss")(perfect_logits, target)) < 1e-3
    onehot = target_for("CrossEntropyLoss", (1, 2, 4, 8, 8))
    softmax_dice = build_loss_term("DiceLoss", {"softmax": True})
    assert float(softmax_dice((onehot * 2 - 1) * 20, onehot)) < 1e-3
    # Without an activation, raw logits are not probabilities: the loss is far from zero.
    assert float(build_loss_term("DiceLoss", {"sigmoid": False})(perfect_logits, target)) > 0.1


@pytest.mark.parametrize("name", sorted(REQUIRED | {"SoftDiceclDiceLoss"}))
def test_masked_out_voxels_errors_do_not_count(name):
    torch.manual_seed(1)
    shape = (1, 2, 4, 8, 8)
    target = target_for(name, shape)
    valid = torch.ones(shape)
    valid[..., :4] = 0
    logits = torch.randn(shape)
    logits[..., :4] = ((2 * target - 1) * 10)[..., :4]  # right where masked
    other = logits.clone()
    other[..., :4] = ((1 - 2 * target) * 10)[..., :4]  # confidently wrong where masked
    plan = build_loss_plan(make_cfg(loss_functions=[name]))
    masked = plan(logits, target, valid=valid)[0]
    assert torch.allclose(masked, plan(other, target, valid=valid)[0], atol=1e-5)
    assert not torch.allclose(plan(logits, target)[0], plan(other, target)[0], atol=1e-4)
    x = logits.clone().requires_grad_(True)
    plan(x, target, valid=valid)[0].backward()
    assert float(x.grad[..., :4].abs().max()) < 1e-7


@pytest.mark.parametrize("name", ["WeightedBCEWithLogitsLoss", "WeightedMSELoss"])
def test_zero_weight_region_does_not_affect_weighted_losses(name):
    torch.manual_seed(2)
    shape = (1, 1, 4, 8, 8)
    target = target_for(name, shape)
    weight = torch.ones(shape)
    weight[..., 4:] = 0
    logits = torch.randn(shape)
    other = logits.clone()
    other[..., 4:] += 5.0
    plan = build_loss_plan(make_cfg(1, loss_functions=[name]))
    assert torch.allclose(
        plan(logits, target, weight=weight)[0], plan(other, target, weight=weight)[0]
    )
    # Up-weighting the voxels with the larger errors raises the loss.
    errors = (torch.sigmoid(logits) - target).abs() if "BCE" in name else (logits - target) ** 2
    heavy = 1 + 4 * (errors > errors.median()).float()
    assert float(plan(logits, target, weight=heavy)[0]) > float(plan(logits, target)[0])


def test_plain_bce_ignores_weights_but_weighted_bce_uses_them():
    shape = (1, 1, 2, 4, 4)
    target, logits = target_for("BCE", shape), torch.randn(shape)
    weight = torch.rand(shape) * 3
    plain = build_loss_plan(make_cfg(1, loss_functions=["BCEWithLogitsLoss"]))
    weighted = build_loss_plan(make_cfg(1, loss_functions=["WeightedBCEWithLogitsLoss"]))
    assert torch.allclose(plain(logits, target, weight=weight)[0], plain(logits, target)[0])
    expected = F.binary_cross_entropy_with_logits(logits, target, reduction="none") * weight
    assert torch.allclose(weighted(logits, target, weight=weight)[0], expected.mean())


def test_deep_supervision_averages_scales_with_halving_weights_and_resized_targets():
    torch.manual_seed(3)
    target = target_for("DiceLoss", (1, 1, 4, 8, 8))
    valid = torch.ones_like(target)
    outputs = [torch.randn(1, 1, 4, 8, 8), torch.randn(1, 1, 2, 4, 4), torch.randn(1, 1, 1, 2, 2)]
    plan = build_loss_plan(make_cfg(1, loss_functions=["BCEWithLogitsLoss"]))
    total, parts = plan(outputs, target, valid=valid)
    weights = default_scale_weights(3)
    assert weights == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    per_scale = [
        F.binary_cross_entropy_with_logits(o, resize_nearest(target, o.shape[2:])) for o in outputs
    ]
    assert torch.allclose(total, sum(w * s for w, s in zip(weights, per_scale)))
    for k, value in enumerate(per_scale):
        assert torch.allclose(parts[f"loss_scale_{k}"], value)

    custom = build_loss_plan(
        make_cfg(1, loss_functions=["BCEWithLogitsLoss"], deep_supervision_weights=[1, 0, 1])
    )
    expected = (per_scale[0] + per_scale[2]) / 2
    assert torch.allclose(custom(outputs, target)[0], expected)
    with pytest.raises(config_error_type(), match="deep_supervision_weights"):
        custom(outputs[:2], target)
    # Validation scores the finest output alone: no scale weights apply.
    assert torch.allclose(custom(outputs[0], target)[0], per_scale[0])


def test_deep_supervision_routes_channels_and_masks_at_every_scale():
    torch.manual_seed(4)
    cfg = make_cfg(
        2,
        loss_functions=["DiceLoss", "WeightedBCEWithLogitsLoss"],
        loss_weights=[1.0, 1.0],
        loss_channels=[[0], [1]],
    )
    plan = build_loss_plan(cfg)
    target = target_for("DiceLoss", (1, 2, 4, 8, 8))
    valid = torch.ones_like(target)
    valid[..., :4] = 0
    coarse = torch.randn(1, 2, 2, 4, 4, requires_grad=True)
    outputs = [torch.randn(1, 2, 4, 8, 8, requires_grad=True), coarse]
    total, parts = plan(outputs, target, valid=valid)
    total.backward()
    assert float(coarse.grad[..., :2].abs().max()) == 0.0  # masked half, resized with the target
    assert float(coarse.grad[..., 2:].abs().max()) > 0.0
    assert set(parts) == {
        "loss_0_DiceLoss",
        "loss_1_WeightedBCEWithLogitsLoss",
        "loss_scale_0",
        "loss_scale_1",
    }


def test_continuous_targets_are_averaged_and_labels_taken_nearest():
    target = torch.arange(16, dtype=torch.float32).view(1, 1, 4, 4).repeat(1, 2, 1, 1)
    resized = resize_target(target, (2, 2), continuous=[False, True])
    assert torch.equal(resized[0, 0], torch.tensor([[0.0, 2.0], [8.0, 10.0]]))
    assert torch.allclose(resized[0, 1], torch.tensor([[2.5, 4.5], [10.5, 12.5]]))


def test_distance_targets_from_config_are_resized_continuously():
    cfg = make_cfg(
        2, loss_functions=["DiceLoss", "MSELoss"], loss_channels=[[0], [1]], loss_weights=[1.0, 1.0]
    )
    cfg.data.targets = [TargetConfig(name="binary"), TargetConfig(name="distance")]
    assert build_loss_plan(cfg).continuous_channels == [False, True]
    cfg.data.targets = [TargetConfig(name="affinity")]  # 3 channels != 2 outputs: decided per loss
    assert build_loss_plan(cfg).continuous_channels == [False, True]


def test_deep_supervision_with_em_unet_outputs():
    from connectomics.models import build_model

    cfg = make_cfg(
        2,
        architecture="unet_res_em",
        filters=[4, 8, 16],
        deep_supervision=True,
        strides=[[1, 2, 2], [2, 2, 2]],
        loss_functions=["DiceLoss"],
    )
    model = build_model(cfg).train()
    outputs = model(torch.rand(2, 1, 4, 16, 16))
    target = target_for("DiceLoss", (2, 2, 4, 16, 16))
    total, parts = build_loss_plan(cfg)(outputs, target)
    total.backward()
    assert "loss_scale_1" in parts and torch.isfinite(total)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"loss_functions": ["DiceLos"]}, "did you mean DiceLoss"),
        ({"loss_functions": []}, "model.loss_functions: no loss given"),
        ({"loss_functions": ["DiceLoss", "MSELoss"], "loss_weights": [1.0]}, "loss_weights"),
        ({"loss_channels": [[0, 5]]}, "loss_channels"),
        ({"loss_functions": ["MSELoss"], "loss_kwargs": [{"reduction": "sum"}]}, "reduction"),
        ({"loss_kwargs": [{"not_an_option": 1}]}, "loss_kwargs for DiceLoss"),
        ({"loss_kwargs": [{"to_onehot_y": True}]}, "to_onehot_y"),
        (
            {"deep_supervision_weights": [-1.0, 0.0]},
            r"deep_supervision_weights\[0\]: -1.0 is negative",
        ),
        ({"loss_kwargs": [{"sigmoid": True, "softmax": True}]}, "choose one of"),
    ],
)
def test_bad_loss_config_raises_config_error(options, message):
    with pytest.raises(config_error_type(), match=message):
        build_loss_plan(make_cfg(2, **options))


def test_channel_and_shape_mismatches_name_the_fix():
    plan = build_loss_plan(make_cfg(2))
    with pytest.raises(config_error_type(), match="model.out_channels"):
        plan(torch.randn(1, 2, 4, 4), torch.rand(1, 3, 4, 4))
    with pytest.raises(ValueError, match="valid has shape"):
        plan(torch.randn(1, 2, 4, 4), torch.rand(1, 2, 4, 4), valid=torch.ones(1, 3, 4, 4))


def test_half_precision_outputs_give_float32_loss():
    plan = build_loss_plan(
        make_cfg(1, loss_functions=["DiceLoss", "BCEWithLogitsLoss"], loss_weights=[1.0, 1.0])
    )
    logits = torch.randn(1, 1, 4, 8, 8).half()
    target = target_for("DiceLoss", (1, 1, 4, 8, 8))
    total, _ = plan(logits, target)
    assert total.dtype == torch.float32
    assert torch.allclose(total, plan(logits.float(), target)[0])


def test_loss_plan_pickles_for_checkpoints_and_worker_processes():
    cfg = make_cfg(
        2,
        loss_functions=["DiceLoss", "DiceCELoss", "WeightedBCEWithLogitsLoss"],
        loss_weights=[1.0, 1.0, 1.0],
        loss_kwargs=[{"softmax": True}, {}, {}],
    )
    plan = build_loss_plan(cfg)
    logits, target = torch.randn(1, 2, 4, 8, 8), target_for("DiceLoss", (1, 2, 4, 8, 8))
    restored = pickle.loads(pickle.dumps(plan))
    assert torch.allclose(restored(logits, target)[0], plan(logits, target)[0])


def test_balanced_weights_give_both_classes_half_of_each_channel():
    from connectomics.losses import balanced_weights

    target = torch.zeros(2, 3, 4, 5)
    target[:, 0, :1] = 1  # channel 0: 25 % positive
    target[:, 1] = 1  # channel 1: one class only
    target[:, 2, :2] = 1  # channel 2: 50 %
    valid = torch.ones_like(target)
    w = balanced_weights(target, valid, max_weight=20.0)
    assert torch.allclose(w[:, 0][target[:, 0] == 1], torch.tensor(2.0))
    assert torch.allclose(w[:, 0][target[:, 0] == 0], torch.tensor(2.0 / 3.0))
    assert torch.equal(w[:, 1], torch.ones_like(w[:, 1])) and torch.equal(w[:, 2], w[:, 1])
    for c in range(3):  # mean weight 1 over the valid voxels
        assert float(w[:, c].mean()) == pytest.approx(1.0)
    capped = balanced_weights(target, valid, max_weight=1.5)
    assert float(capped[:, 0].max()) == 1.5
    valid[:, 0, 1:2] = 0  # fewer valid negatives: 1/3 positive among the valid voxels
    masked = balanced_weights(target, valid, max_weight=20.0)
    assert float(masked[:, 0][target[:, 0] == 1][0]) == pytest.approx(1.5)


def test_balanced_bce_equals_the_weighted_mean_it_promises():
    torch.manual_seed(3)
    target = (torch.rand(2, 3, 4, 8, 8) > 0.8).float()
    logits = torch.randn_like(target)
    loss = build_loss_term("BalancedBCEWithLogitsLoss")(logits, target)
    bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    expected = 0.0
    for c in range(3):
        p = float(target[:, c].mean())
        w = torch.where(target[:, c] > 0, 0.5 / p, 0.5 / (1 - p))
        expected += float((w * bce[:, c]).sum())
    assert float(loss) == pytest.approx(expected / target.numel(), rel=1e-5)


def _fitted_constant_probability(name: str, positive_fraction: float) -> float:
    """The constant prediction a loss drives a bias-only model to on an imbalanced target."""
    target = torch.zeros(1, 1, 10, 10, 10)
    target.view(-1)[: int(positive_fraction * 1000)] = 1
    bias = torch.zeros(1, requires_grad=True)
    term = build_loss_term(name)
    optimizer = torch.optim.SGD([bias], lr=0.5)
    for _ in range(300):
        optimizer.zero_grad()
        term(bias.expand_as(target), target).backward()
        optimizer.step()
    return float(torch.sigmoid(bias))


def test_balanced_bce_does_not_learn_the_majority_class():
    # 90 % "connected" affinities: plain BCE settles at the prior, balanced BCE at 0.5, so
    # a threshold of 0.5 separates what the features can separate instead of joining all.
    assert _fitted_constant_probability("BCEWithLogitsLoss", 0.9) == pytest.approx(0.9, abs=0.01)
    assert _fitted_constant_probability("BalancedBCEWithLogitsLoss", 0.9) == pytest.approx(
        0.5, abs=0.01
    )


def test_balanced_bce_refuses_a_cap_below_one():
    with pytest.raises(config_error_type(), match="max_weight"):
        build_loss_term("BalancedBCEWithLogitsLoss", {"max_weight": 0.5})


def test_a_loss_entry_list_gives_the_plan_of_the_parallel_lists():
    lists = make_cfg(
        1,
        loss_functions=["BCEWithLogitsLoss", "DiceLoss"],
        loss_weights=[0.25, 2.0],
        loss_kwargs=[{}, {"smooth_nr": 0.5}],
        loss_channels=[0, None],
    )
    entries = make_cfg(
        1,
        loss=[
            {"name": "BCEWithLogitsLoss", "weight": 0.25, "target": [0]},
            {"name": "DiceLoss", "weight": 2.0, "kwargs": {"smooth_nr": 0.5}},
        ],
    )
    assert [e.channels() for e in lists.model.losses()] == [[0], None]
    assert [e.channels() for e in entries.model.losses()] == [[0], None]
    torch.manual_seed(0)
    logits = torch.randn(2, 1, 4, 8, 8)
    target = (torch.rand(2, 1, 4, 8, 8) > 0.5).float()
    total_lists, parts_lists = build_loss_plan(lists)(logits, target)
    total_entries, parts_entries = build_loss_plan(entries)(logits, target)
    assert float(total_lists) == pytest.approx(float(total_entries))
    assert {k: float(v) for k, v in parts_lists.items()} == pytest.approx(
        {k: float(v) for k, v in parts_entries.items()}
    )
    assert [(r.name, r.weight) for r in build_loss_plan(entries).routes] == [
        ("BCEWithLogitsLoss", 0.25),
        ("DiceLoss", 2.0),
    ]
    with pytest.raises(ConfigError, match="model.loss.*not both"):
        make_cfg(1, loss=[{"name": "DiceLoss"}], loss_weights=[2.0])
    with pytest.raises(ConfigError, match=r"model.loss\[0\].target"):
        make_cfg(1, loss=[{"name": "DiceLoss", "target": 3}])
