"""Channel mismatches and out-of-memory end in one `error:` line and exit 2, not a traceback."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
import torch

from tests.lightning.conftest import LUCCHI


def test_train_on_a_two_channel_raw_with_a_one_channel_model(cli, overrides, tmp_path):
    from connectomics.data.io import write_volume

    raw = tmp_path / "two.h5"
    write_volume(str(raw), np.zeros((2, 16, 32, 32), np.uint8), key="raw")
    code, _, err = cli("train", "--config", LUCCHI, *overrides, f"data.train_image={raw}")
    assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert "has 2 channel(s)" in err and "model.in_channels=1" in err


def _guarded(exc_factory):
    from connectomics.cli.errors import run_guarded

    def command(args):
        raise exc_factory()

    return run_guarded(command, argparse.Namespace())


def test_channel_mismatch_inside_the_network_is_one_line(capsys):
    conv = torch.nn.Conv3d(1, 4, 3)

    def error():
        try:
            conv(torch.zeros(1, 2, 4, 4, 4))
        except RuntimeError as exc:
            return exc
        raise AssertionError("conv accepted 2 channels")

    assert _guarded(error) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the input volume has 2 channel(s) but the model takes 1")


@pytest.mark.parametrize(
    "factory",
    [
        lambda: torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB"),
        lambda: RuntimeError(
            "[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: "
            "can't allocate memory: you tried to allocate 81604378624 bytes."
        ),
        lambda: MemoryError(),
    ],
)
def test_out_of_memory_is_one_line_naming_the_keys_to_lower(capsys, factory):
    assert _guarded(factory) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: out of memory") and "inference.batch_size" in err
    assert len(err.strip().splitlines()) == 1


def test_other_runtime_errors_still_raise():
    with pytest.raises(RuntimeError, match="a bug"):
        _guarded(lambda: RuntimeError("a bug"))
