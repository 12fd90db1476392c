"""Core's channel counts follow the spatial dimensions where a target's default depends on them."""

import pytest

from connectomics.config import load_config
from connectomics.config.errors import ConfigError
from connectomics.config.target_channels import target_activations, target_channels

TWO_D = ["model.spatial_dims=2", "data.patch_size=[64,64]", "data.targets=[{name: affinity}]"]


def test_default_affinity_channels_follow_dimensions():
    assert target_channels("affinity", {}, spatial_dims=2) == 2
    assert target_channels("affinity", {}) == 3
    assert target_channels("affinity", {"offsets": [[0, 1], [1, 0], [0, 9]]}, spatial_dims=2) == 3
    assert target_activations("affinity", {}, spatial_dims=2) == ["sigmoid", "sigmoid"]


def test_2d_affinity_config_needs_two_channels():
    assert load_config("demo", overrides=[*TWO_D, "model.out_channels=2"]).model.out_channels == 2
    with pytest.raises(ConfigError, match="model.out_channels"):
        load_config("demo", overrides=[*TWO_D, "model.out_channels=3"])
