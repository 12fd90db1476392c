"""Label-to-target transforms on real medulla / ISBI labels."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import torch

from connectomics.config.schema import Config
from connectomics.config.schema.data import TargetConfig
from connectomics.config.target_specs import TARGET_SPECS
from connectomics.data.errors import DataError
from connectomics.data.targets import (
    TARGET_REGISTRY,
    build_target,
    build_target_transform,
    compute_affinities,
    compute_boundary,
    instance_distance,
)

KWARGS = {
    "affinity": {"offsets": [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 9], [-2, 3, 0]]},
    "boundary": {"thickness": 1, "mode": "thick"},
    "distance": {"mode": "instance"},
    "binary_contour": {"thickness": 1},
    "binary_contour_distance": {"thickness": 2},
    "semantic": {"num_classes": 2},
    "binary": {},
}


@pytest.fixture(scope="module")
def medulla_label(medulla_train) -> np.ndarray:
    """A (12, 40, 48) crop of real neuron ids."""
    with h5py.File(medulla_train, "r") as f:
        return f["label"][10:22, 20:60, 40:88].astype(np.int64)


def _cfg(entries, class_balanced=False):
    cfg = Config()
    cfg.data.targets = [TargetConfig(name=n, kwargs=k) for n, k in entries]
    cfg.data.class_balanced_weights = class_balanced
    return cfg


def _direct_affinity(label, offset):
    """Reference: compare each voxel with the voxel at coordinate - offset via index arrays."""
    coords = np.indices(label.shape)
    partner = [c - o for c, o in zip(coords, offset)]
    inside = np.ones(label.shape, bool)
    for p, size in zip(partner, label.shape):
        inside &= (p >= 0) & (p < size)
    clipped = tuple(np.clip(p, 0, s - 1) for p, s in zip(partner, label.shape))
    same = (label == label[clipped]) & (label != 0) & inside
    return same, inside


def test_every_target_matches_declared_channels(medulla_label):
    semantic_label = (medulla_label > 0).astype(np.int64)
    for name, cls in TARGET_REGISTRY.items():
        kwargs = KWARGS.get(name, {})
        transform = build_target(name, kwargs)
        assert isinstance(transform, cls)
        label = semantic_label if name == "semantic" else medulla_label
        out = transform({"label": label[None]})
        channels = TARGET_SPECS[name].channel_count(kwargs, label.ndim)
        assert out["target"].shape == (channels, *label.shape), name
        assert out["target"].dtype == np.float32
        assert out["valid"].shape == out["weight"].shape == out["target"].shape


def test_affinities_agree_with_direct_comparison(medulla_label):
    offsets = KWARGS["affinity"]["offsets"]
    aff, valid = compute_affinities(medulla_label, offsets)
    assert aff.sum() > 0
    for channel, offset in enumerate(offsets):
        same, inside = _direct_affinity(medulla_label, offset)
        np.testing.assert_array_equal(aff[channel], same.astype(np.float32), err_msg=str(offset))
        np.testing.assert_array_equal(valid[channel], inside.astype(np.float32))
    # the long-range x offset 9: exactly the first 9 columns have no partner
    assert not valid[3][..., :9].any() and valid[3][..., 9:].all()


def test_affinity_valid_respects_mask(medulla_label):
    mask = np.ones(medulla_label.shape, bool)
    mask[:, 10:20] = False
    aff, valid = compute_affinities(medulla_label, [[0, 1, 0]], mask)
    assert not valid[0][:, 10:21].any()  # row 20's partner (row 19) is masked out too
    assert valid[0][:, 21:].all() and valid[0][:, 1:10].all()
    out = build_target_transform(_cfg([("binary", {})]))(
        {"label": medulla_label[None], "mask": mask[None].astype(np.float32)}
    )
    np.testing.assert_array_equal(out["valid"][0], mask.astype(np.float32))


def test_affinity_2d_defaults_and_bad_offsets(medulla_label):
    aff, _ = compute_affinities(medulla_label[0], [[1, 0], [0, 1]])
    out = build_target("affinity", {})({"label": medulla_label[:1]})
    np.testing.assert_array_equal(out["target"], aff)
    with pytest.raises(DataError, match="offset"):
        compute_affinities(medulla_label, [[1, 0]])
    with pytest.raises(DataError, match="nonzero"):
        build_target("affinity", {"offsets": [[0, 0, 0]]})


def test_boundaries_sit_where_ids_change(medulla_label):
    changes = np.zeros(medulla_label.shape, bool)
    for axis in range(3):
        diff = np.diff(medulla_label, axis=axis) != 0
        lead = [slice(None)] * 3
        lead[axis] = slice(1, None)
        trail = [slice(None)] * 3
        trail[axis] = slice(None, -1)
        changes[tuple(lead)] |= diff
        changes[tuple(trail)] |= diff
    np.testing.assert_array_equal(compute_boundary(medulla_label, 1, "thick"), changes)
    inner = compute_boundary(medulla_label, 1, "inner")
    np.testing.assert_array_equal(inner, changes & (medulla_label > 0))
    outer = compute_boundary(medulla_label, 1, "outer")
    assert outer[medulla_label == 0].sum() == (changes & (medulla_label == 0)).sum()
    thick2 = compute_boundary(medulla_label, 2, "thick")
    assert thick2.sum() > changes.sum() and not (changes & ~thick2).any()


def test_per_section_boundaries_ignore_z_changes():
    label = np.zeros((4, 8, 8), np.int64)
    label[:2] = 1
    label[2:] = 2
    assert compute_boundary(label, 1, "thick")[1:3].all()
    assert not compute_boundary(label, 1, "thick", per_section=True).any()
    out = build_target("boundary", {"per_section": True})({"label": torch.from_numpy(label[None])})
    assert isinstance(out["target"], torch.Tensor) and out["target"].sum() == 0


def test_instance_distance_zero_outside_max_one_per_instance(medulla_label):
    label = medulla_label.copy()
    label[:, :, :5] = 0  # some background
    dist = instance_distance(label)
    assert (dist[label == 0] == 0).all()
    assert (dist[label > 0] > 0).all()
    for instance in np.unique(label[label > 0]):
        assert dist[label == instance].max() == pytest.approx(1.0)


def test_semantic_distance_is_signed(isbi_membranes):
    with h5py.File(isbi_membranes, "r") as f:
        label = (f["label"][:2, :64, :64] > 0).astype(np.int64)
    out = build_target("distance", {"mode": "semantic", "alpha": 4.0})({"label": label[None]})
    dist = out["target"][0]
    assert (dist[label > 0] > 0).all() and (dist[label == 0] < 0).all()
    assert np.abs(dist).max() < 1.0


def test_mitochondria_targets_stack_binary_contour_distance(medulla_label):
    out = build_target("binary_contour_distance", {})({"label": medulla_label[None]})
    target = out["target"]
    np.testing.assert_array_equal(target[0], (medulla_label > 0).astype(np.float32))
    np.testing.assert_array_equal(target[1], compute_boundary(medulla_label, 1, "inner"))
    np.testing.assert_allclose(target[2], instance_distance(medulla_label))


def test_semantic_one_hot_and_unknown_values(isbi_membranes):
    with h5py.File(isbi_membranes, "r") as f:
        raw = f["label"][:1, :32, :32].astype(np.int64)
    out = build_target("semantic", {"num_classes": 2, "values": [0, 255]})({"label": raw[None]})
    np.testing.assert_array_equal(out["target"].sum(0), 1.0)
    np.testing.assert_array_equal(out["target"][1], (raw == 255).astype(np.float32))
    with pytest.raises(DataError, match="num_classes"):
        build_target("semantic", {"num_classes": 2})({"label": raw[None]})


def test_build_target_transform_concatenates_in_order_and_balances(medulla_label):
    entries = [("binary", {}), ("affinity", {"offsets": [[0, 0, 9]]}), ("boundary", {})]
    sample = {"label": medulla_label[None], "image": np.zeros((1, 2), np.float32), "meta": 7}
    out = build_target_transform(_cfg(entries, class_balanced=True))(sample)
    assert out["meta"] == 7 and out["image"] is sample["image"] and "label" in out
    target, weight, valid = out["target"], out["weight"], out["valid"]
    assert target.shape == weight.shape == valid.shape == (3, *medulla_label.shape)
    np.testing.assert_array_equal(target[0], (medulla_label > 0).astype(np.float32))
    np.testing.assert_array_equal(target[1:2], compute_affinities(medulla_label, [[0, 0, 9]])[0])
    for c in range(3):
        counted = valid[c] > 0
        fg, bg = (target[c] > 0) & counted, (target[c] <= 0) & counted
        assert weight[c][fg].sum() == pytest.approx(weight[c][bg].sum(), rel=1e-4)
        assert weight[c][counted].mean() == pytest.approx(1.0, rel=1e-4)
        assert weight[c][fg].max() != weight[c][bg].max()


def test_config_and_shape_errors(medulla_label):
    with pytest.raises(ValueError, match="unknown target 'affinities'"):
        build_target_transform(_cfg([("affinities", {})]))
    with pytest.raises(ValueError, match="bad kwargs"):
        build_target("boundary", {"thickness": 1, "colour": 3})
    with pytest.raises(DataError, match="one channel first"):
        build_target("binary", {})({"label": medulla_label})


def test_2d_target_channels_are_the_layouts(medulla_label):
    """A 2D [affinity, binary] stack makes the layout's 2 + 1 channels (no 3D fallback)."""
    from connectomics.config.target_layout import TargetLayout

    section = medulla_label[4]
    cfg = Config.model_validate(
        {
            "model": {"spatial_dims": 2},
            "data": {"patch_size": [40, 48], "targets": [{"name": "affinity"}, {"name": "binary"}]},
        }
    )
    layout = TargetLayout.build([("affinity", {}), ("binary", {})], spatial_dims=2)
    out = build_target_transform(cfg)({"label": section[None]})
    assert out["target"].shape == (layout.num_channels, *section.shape) == (3, 40, 48)
    expected, _ = compute_affinities(section, [list(o) for o in layout.slots[0].offsets])
    np.testing.assert_array_equal(out["target"][:2], expected)
    np.testing.assert_array_equal(out["target"][2], section > 0)
