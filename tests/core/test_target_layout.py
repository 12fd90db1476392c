"""TargetLayout: channel slices, activations, softmax groups, continuity and offsets by value."""

import pytest

from connectomics.config import load_config
from connectomics.config.errors import ConfigError
from connectomics.config.target_layout import TargetLayout
from connectomics.config.target_specs import (
    TARGET_SPECS,
    TargetSpec,
    register_target_spec,
    target_spec,
)

TWO_D = ["model.spatial_dims=2", "data.patch_size=[64,64]", "data.targets=[{name: affinity}]"]


def test_slices_activations_and_continuity_follow_the_targets_in_order():
    layout = TargetLayout.build(
        [
            ("binary_contour_distance", {}),
            ("semantic", {"num_classes": 3}),
            ("semantic", {"num_classes": 2}),
            ("distance", {}),
        ],
        3,
    )
    assert [s.channels for s in layout.slots] == [
        slice(0, 3),
        slice(3, 6),
        slice(6, 8),
        slice(8, 9),
    ]
    assert layout.num_channels == 9
    # two adjacent softmax targets stay two groups
    assert layout.activations == [
        "sigmoid", "sigmoid", "tanh",
        "softmax:1", "softmax:1", "softmax:1", "softmax:2", "softmax:2",
        "tanh",
    ]  # fmt: skip
    assert layout.softmax_groups() == [slice(3, 6), slice(6, 8)]
    assert layout.continuous == [False, False, True, False, False, False, False, False, True]
    assert layout.describe() == (
        "binary_contour_distance: 3, semantic: 3, semantic: 2, distance: 1"
    )
    assert layout.slot("distance").indices() == [8]
    assert layout.foreground_channel() == 0  # binary_contour_distance's foreground
    assert TargetLayout.build([("affinity", {}), ("binary", {})], 3).foreground_channel() == 3
    assert TargetLayout.build([("affinity", {})], 3).foreground_channel() == 0  # none: first


def test_affinity_offsets_split_nearest_neighbour_and_long_range_channels():
    offsets = [[1, 0, 0], [0, 1, 0], [0, 0, 9], [0, 0, 1], [-2, 3, 0]]
    layout = TargetLayout.build([("binary", {}), ("affinity", {"offsets": offsets})], 3)
    affinity = layout.affinity()
    assert affinity is not None and affinity.channels == slice(1, 6)
    assert [list(o) for o in affinity.offsets] == offsets
    assert affinity.nearest_neighbour_channels() == [1, 2, 4]
    assert affinity.long_range_channels() == [3, 5]
    assert layout.activations == ["sigmoid"] * 6 and layout.continuous == [False] * 6


def test_default_affinity_offsets_follow_dimensions():
    two = TargetLayout.build([("affinity", {})], spatial_dims=2).affinity()
    three = TargetLayout.build([("affinity", {})], spatial_dims=3).affinity()
    assert two.offsets == ((1, 0), (0, 1)) and two.long_range_channels() == []
    assert three.offsets == ((1, 0, 0), (0, 1, 0), (0, 0, 1))
    assert TargetLayout.build([("binary", {})], 3).affinity() is None


def test_registered_spec_gives_channels_activations_and_continuity():
    register_target_spec(
        "test_layout_pair", TargetSpec(channels=2, continuous=(True, False), foreground=1)
    )
    try:
        layout = TargetLayout.build([("test_layout_pair", {}), ("binary", {})], 3)
    finally:
        TARGET_SPECS.pop("test_layout_pair")
    assert layout.activations == ["sigmoid"] * 3
    assert layout.continuous == [True, False, False]
    assert layout.slot("binary").channels == slice(2, 3)
    assert layout.foreground_channel() == 1


def test_unknown_target_names_the_entry_and_suggests():
    with pytest.raises(ConfigError, match=r"data.targets\[1\].name.*did you mean affinity"):
        TargetLayout.build([("binary", {}), ("afinity", {})], 3)
    with pytest.raises(ConfigError, match="choose one of"):
        target_spec("nope")


def test_2d_affinity_config_needs_two_channels():
    assert load_config("demo", overrides=[*TWO_D, "model.out_channels=2"]).model.out_channels == 2
    with pytest.raises(ConfigError, match=r"model.out_channels.*\(affinity: 2\)"):
        load_config("demo", overrides=[*TWO_D, "model.out_channels=3"])
