"""A Zarr input missing a chunk is refused, naming the chunk, instead of reading as zeros;
our own Zarr outputs store every chunk (all-zero ones too) so readers can tell."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch


def _raw_store(tmp_path: Path) -> tuple[str, Path]:
    from connectomics.data.io import write_volume

    image = np.random.default_rng(0).integers(1, 255, (16, 32, 32), dtype=np.uint8)
    store = tmp_path / "raw.zarr"
    write_volume(f"{store}:raw", image, chunks=(8, 16, 16))
    chunk = store / "raw" / "c" / "1" / "0" / "1"
    assert chunk.is_file()
    os.remove(chunk)
    return f"{store}:raw", chunk


def test_prediction_refuses_an_input_missing_a_chunk(tmp_path):
    from connectomics.data.errors import DataError
    from connectomics.data.inference import predict_volume
    from connectomics.data.io import open_volume

    path, _ = _raw_store(tmp_path)
    with pytest.raises(DataError, match=r"lacks chunk c/1/0/1 \(grid index \(1, 0, 1\)\)"):
        predict_volume(torch.nn.Conv3d(1, 1, 1), open_volume(path), window_size=[8, 16, 16])


def test_training_images_missing_a_chunk_are_refused_but_sparse_labels_read(tmp_path):
    from connectomics.config.schema.data import DataConfig
    from connectomics.data.datasets.sources import open_sources
    from connectomics.data.errors import DataError

    path, _ = _raw_store(tmp_path)
    label = tmp_path / "label.zarr"
    shutil.copytree(tmp_path / "raw.zarr", label)  # the same gap: background in a label
    data = DataConfig(train_image=path, train_label=f"{label}:raw")
    (source,) = open_sources(data, "train")
    assert source.label[8:16, 0:16, 16:32].max() == 0  # a label's absent chunk is background
    assert source.image[0:8].min() > 0  # present chunks read
    with pytest.raises(DataError, match="raw.zarr:raw.*lacks chunk c/1/0/1"):
        source.image[8:16, 0:16, 16:32]


@pytest.mark.parametrize("how", ["write_volume", "create_volume"])
def test_zarr_outputs_store_every_chunk_even_all_zero(tmp_path, how):
    from connectomics.data.io import create_volume, open_volume, write_volume
    from connectomics.data.io.volume import require_all_chunks

    path = f"{tmp_path / 'out.zarr'}:prediction"
    zeros = np.zeros((16, 32, 32), np.uint8)
    if how == "write_volume":
        write_volume(path, zeros, chunks=(8, 16, 16))
    else:
        with create_volume(path, zeros.shape, zeros.dtype, chunks=(8, 16, 16)) as volume:
            for z in (0, 8):
                volume[z : z + 8] = zeros[z : z + 8]
    chunks = [p for p in (tmp_path / "out.zarr" / "prediction" / "c").rglob("*") if p.is_file()]
    assert len(chunks) == 8
    volume = require_all_chunks(open_volume(path))
    assert volume[...].sum() == 0  # read back with the check on
