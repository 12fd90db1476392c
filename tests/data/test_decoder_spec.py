"""One decoder spec: a multi-target prediction decodes the same in memory and blockwise (the
spec fills each decoder's channels from data.targets on both paths)."""

from __future__ import annotations

import numpy as np
import pytest

from connectomics.config import create_config
from connectomics.config.errors import ConfigError
from connectomics.data.blockwise import Engine, blockwise_decoders, decode_blockwise
from connectomics.data.decoding import build_decoder, decoder_arguments, decoder_spec
from connectomics.data.io import open_volume, write_volume
from tests.data.blockwise_helpers import same_partition


def two_targets(decoder: str, **kwargs):
    """A config whose network predicts [affinity (3 channels), binary (1)]; out_channels derived."""
    return create_config(
        {
            "data": {"targets": [{"name": "affinity"}, {"name": "binary"}]},
            "decoding": {"name": decoder, "kwargs": kwargs},
        }
    )


@pytest.fixture
def prediction() -> np.ndarray:
    """Affinities of two boxes (channels 0-2) and a foreground of three other boxes (3)."""
    affs = np.full((3, 12, 20, 20), 0.9, np.float32)
    affs[:, :, 10, :] = 0.05  # a cut in y: two objects
    affs[:, :, :, 0] = 0.05
    foreground = np.zeros((12, 20, 20), np.float32)
    foreground[1:5, 2:8, 2:8] = foreground[6:11, 12:18, 3:9] = foreground[2:9, 3:9, 13:19] = 0.8
    return np.concatenate([affs, foreground[None]])


def blockwise(tmp_path, prediction, cfg, block) -> np.ndarray:
    path = tmp_path / "prediction.zarr"
    write_volume(path, prediction, overwrite=True)
    spec, kwargs = decoder_arguments(cfg)
    out = tmp_path / f"{spec.name}.zarr"
    decode_blockwise(path, out, spec.name, block, Engine(num_workers=1), True, **kwargs)
    return open_volume(f"{out}:segmentation").read()


def test_out_channels_are_derived_from_the_targets_and_a_mismatch_is_refused():
    assert two_targets("binary_cc").model.out_channels == 4
    with pytest.raises(ConfigError, match=r"model.out_channels: 2, but data.targets produce 4"):
        create_config(
            {
                "data": {"targets": [{"name": "affinity"}, {"name": "binary"}]},
                "model": {"out_channels": 2},
            }
        )


def test_binary_cc_reads_the_binary_channel_in_memory_and_blockwise(tmp_path, prediction):
    cfg = two_targets("binary_cc")
    assert decoder_arguments(cfg)[1]["channel"] == 3
    whole = build_decoder(cfg)(prediction)
    assert whole.max() == 3  # the three foreground boxes, not the two affinity objects
    assert same_partition(blockwise(tmp_path, prediction, cfg, (5, 7, 6)), whole)


@pytest.mark.parametrize("decoder", ["affinity_cc", "affinity_waterz"])
def test_affinity_decoders_read_the_affinity_channels_in_both_paths(tmp_path, prediction, decoder):
    cfg = two_targets(decoder)
    assert decoder_arguments(cfg)[1]["channels"] == [0, 1, 2]
    whole = build_decoder(cfg)(prediction)
    assert whole.max() == 2
    # affinity_cc is exact for any block; waterz reproduces the whole volume with one block
    block = (5, 7, 6) if decoder == "affinity_cc" else prediction.shape[1:]
    assert same_partition(blockwise(tmp_path, prediction, cfg, block), whole)


def test_the_spec_declares_parameters_tuning_and_blockwise_form():
    spec = decoder_spec("affinity_waterz")
    assert spec.tuned == "threshold" and spec.reads == "affinity" and len(spec.grid) == 9
    resolved = spec.resolve({"threshold": 0.3})
    assert resolved["threshold"] == 0.3 and resolved["aff_threshold_high"] == 0.9999
    assert sorted(blockwise_decoders()) == [
        "affinity_cc",
        "affinity_mws",
        "affinity_waterz",
        "binary_cc",
    ]
    with pytest.raises(ConfigError, match=r"decoding.kwargs.threshold: Input should be a valid"):
        spec.resolve({"threshold": "abc"})
