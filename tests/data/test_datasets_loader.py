"""Multi-worker loading from HDF5: handles reopened per worker, distinct per-worker crops."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from connectomics.data.datasets import Batch, RandomCropDataset, VolumeSource, collate_batch
from connectomics.data.io import open_volume, write_volume
from connectomics.data.io.volume import ArrayVolume
from connectomics.data.synthetic import make_neuron_volume


def _worker_tag(sample: dict) -> dict:
    """Record which worker produced a sample (a picklable module-level transform)."""
    info = torch.utils.data.get_worker_info()
    sample["meta"]["worker"] = None if info is None else info.id
    return sample


def test_two_persistent_workers_read_hdf5_and_draw_distinct_crops(tmp_path: Path) -> None:
    image, label = make_neuron_volume((16, 64, 64), seed=0)
    path = tmp_path / "neurons.h5"
    write_volume(f"{path}:raw", image)
    write_volume(f"{path}:label", label)
    source = VolumeSource("neurons", open_volume(path, "raw"), open_volume(path, "label"))
    source.image[0:1]  # the parent process has an open HDF5 handle before forking
    dataset = RandomCropDataset([source], (4, 16, 16), length=16, transform=_worker_tag)
    loader = DataLoader(
        dataset,
        batch_size=2,
        num_workers=2,
        persistent_workers=True,
        collate_fn=collate_batch,
        generator=torch.Generator().manual_seed(0),
    )
    epochs = []
    for _ in range(2):
        batches = list(loader)
        assert all(isinstance(b, Batch) and b.image.shape == (2, 1, 4, 16, 16) for b in batches)
        epochs.append([m for b in batches for m in b.meta])
    for meta in epochs:
        assert {m["worker"] for m in meta} == {0, 1}
        by_worker = [[m["origin"] for m in meta if m["worker"] == w] for w in (0, 1)]
        assert by_worker[0] != by_worker[1]  # workers do not repeat each other's stream
        assert len({m["origin"] for m in meta}) == 16
    # Persistent workers continue their streams: the second epoch differs from the first.
    assert [m["origin"] for m in epochs[0]] != [m["origin"] for m in epochs[1]]
    # Crops read in the workers match the file.
    batch = next(iter(loader))
    z, y, x = batch.meta[0]["origin"]
    expected = torch.from_numpy(label[z : z + 4, y : y + 16, x : x + 16].astype("int64"))
    torch.testing.assert_close(batch.target[0, 0], expected)


def test_workers_draw_their_own_augmentations_without_a_worker_init_fn() -> None:
    from monai.transforms import Compose, RandGaussianNoised

    blank = np.zeros((8, 32, 32), np.uint8)  # every crop is equal: only the noise differs
    source = VolumeSource("blank", ArrayVolume(blank), None)
    noise = Compose([RandGaussianNoised(keys="image", prob=1.0)])
    dataset = RandomCropDataset([source], (4, 16, 16), length=4, transform=noise)
    loader = DataLoader(
        dataset, batch_size=1, num_workers=2, collate_fn=lambda items: items[0]["image"]
    )
    first, second = list(loader)[:2]  # the first sample of worker 0 and of worker 1
    assert not torch.equal(first, second)
    seeded = RandomCropDataset([source], (4, 16, 16), 4, transform=noise, deterministic=True)
    assert torch.equal(seeded[3]["image"], seeded[3]["image"])
    assert not torch.equal(seeded[3]["image"], seeded[2]["image"])
