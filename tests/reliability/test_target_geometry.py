"""An affinity offset that spans a whole training patch axis is refused at config load."""

from __future__ import annotations

import re

import pytest

from tests.lightning.conftest import REPO

SNEMI = REPO / "packages/connectomics-core/src/connectomics/config/tutorials/snemi.yaml"


def _load(*overrides: str):
    from connectomics.config import load_config

    return load_config(str(SNEMI), overrides=list(overrides))


def test_offset_as_long_as_the_patch_is_refused_with_the_numbers():
    from connectomics.config.errors import ConfigError

    patch = list(_load().data.patch_size)
    offsets = [[1, 0, 0], [0, 1, 0], [0, 0, patch[2]]]
    with pytest.raises(ConfigError) as caught:
        _load(f"data.targets[0].kwargs.offsets={offsets}".replace(" ", ""))
    message = str(caught.value)
    assert "data.targets[0].kwargs.offsets" in message
    assert re.search(
        rf"{patch[2]} voxels along axis 2.*data.patch_size={re.escape(str(patch))}", message
    )
    assert "loss 0" in message


def test_offsets_shorter_than_the_patch_load():
    patch = list(_load().data.patch_size)
    offsets = [[1, 0, 0], [0, 1, 0], [0, 0, patch[2] - 1]]
    cfg = _load(f"data.targets[0].kwargs.offsets={offsets}".replace(" ", ""))
    assert cfg.data.targets[0].kwargs["offsets"][2] == [0, 0, patch[2] - 1]
