"""Random crops, rejection sampling, masks, splits, caching, grid chunks and batches."""

from __future__ import annotations

from pathlib import Path

import fastremap
import h5py
import numpy as np
import pytest
import torch

from connectomics.config.errors import ConfigError
from connectomics.config.schema import Config, DataConfig
from connectomics.config.validation import validate_section
from connectomics.data.datasets import (
    Batch,
    CropSampler,
    RandomCropDataset,
    VolumeSource,
    build_test_volumes,
    build_train_dataset,
    build_val_dataset,
    collate_batch,
    normalize_image,
    split_volume,
)
from connectomics.data.errors import DataError
from connectomics.data.io import ArrayVolume, VolumeView, open_volume, write_volume
from connectomics.data.synthetic import make_mitochondria_volume


def _source(shape=(16, 48, 48), seed=0, name="v") -> VolumeSource:
    image, label = make_mitochondria_volume(shape, seed=seed)
    return VolumeSource(name, ArrayVolume(image), ArrayVolume(label))


@pytest.fixture
def h5_volume(tmp_path: Path) -> Path:
    image, label = make_mitochondria_volume((20, 48, 48), seed=1)
    path = tmp_path / "vol.h5"
    write_volume(f"{path}:raw", image)
    write_volume(f"{path}:label", label)
    return path


def _cfg(path: Path, **data) -> Config:
    defaults = {"patch_size": [8, 16, 16], "steps_per_epoch": 6, "val_iterations": 4}
    section = {"train_image": str(path), "train_label": str(path), **defaults, **data}
    cfg = Config()
    cfg.model.spatial_dims = len(section["patch_size"])
    cfg.data = validate_section(DataConfig, section)
    return cfg


def test_samples_follow_the_interface_conventions() -> None:
    source = _source()
    dataset = RandomCropDataset([source], patch_size=(8, 16, 16), length=5)
    assert len(dataset) == 5
    sample = dataset[0]
    assert sample["image"].shape == (1, 8, 16, 16) and sample["image"].dtype == torch.float32
    assert sample["label"].shape == (1, 8, 16, 16) and sample["label"].dtype == torch.int64
    assert 0.0 <= float(sample["image"].min()) and float(sample["image"].max()) <= 1.0
    z, y, x = sample["meta"]["origin"]
    expected = source.image[z : z + 8, y : y + 16, x : x + 16] / 255.0
    np.testing.assert_allclose(sample["image"][0].numpy(), expected, rtol=1e-6)
    np.testing.assert_array_equal(
        sample["label"][0].numpy(), source.label[z : z + 8, y : y + 16, x : x + 16]
    )


def test_2d_patches_are_single_z_slices() -> None:
    dataset = RandomCropDataset([_source()], patch_size=(16, 24), length=2)
    sample = dataset[0]
    assert sample["image"].shape == (1, 16, 24) and sample["label"].shape == (1, 16, 24)


def test_min_foreground_is_met(tmp_path: Path) -> None:
    dataset = RandomCropDataset(
        [_source((16, 64, 64), seed=2)],
        (6, 16, 16),
        length=20,
        min_foreground=0.3,
        reject_max_tries=500,
        deterministic=True,
    )
    fractions = [float((dataset[i]["label"] > 0).float().mean()) for i in range(20)]
    assert min(fractions) >= 0.3 and dataset.fallbacks == 0


def test_min_instances_is_met_on_real_medulla_labels(medulla_train: Path) -> None:
    image = open_volume(medulla_train, "raw")
    label = open_volume(medulla_train, "label")
    dataset = RandomCropDataset(
        [VolumeSource("medulla", image, label)],
        (4, 16, 16),
        length=10,
        min_instances=5,
        reject_max_tries=300,
        deterministic=True,
    )
    # Only about 5% of random 4x16x16 medulla crops hold 5 or more bodies (median: 2).
    for i in range(10):
        ids = fastremap.unique(dataset[i]["label"].numpy())
        assert np.count_nonzero(ids) >= 5
    assert dataset.fallbacks == 0


def test_impossible_criteria_take_the_best_candidate_and_count_it() -> None:
    dataset = RandomCropDataset(
        [_source()], (4, 8, 8), length=3, min_instances=10**6, reject_max_tries=4
    )
    samples = [dataset[i] for i in range(3)]
    assert dataset.fallbacks == 3
    assert not any(s["meta"]["accepted"] for s in samples)


def test_best_candidate_is_the_closest_one() -> None:
    label = np.zeros((1, 4, 40), np.uint32)
    label[0, :, 33:] = 1  # no crop reaches 99% foreground; the last one (x 30:40) has 70%
    source = VolumeSource("v", ArrayVolume(label.astype(np.uint8)), ArrayVolume(label))
    sampler = CropSampler([source], (1, 4, 10), min_foreground=0.99, min_instances=0, max_tries=200)
    choice = sampler.sample(np.random.default_rng(0))
    assert not choice.accepted and sampler.fallbacks == 1
    assert choice.origin[2] == 30


def test_crops_are_drawn_where_the_mask_has_content() -> None:
    image, label = make_mitochondria_volume((12, 48, 48), seed=0)
    mask = np.zeros_like(label, dtype=np.uint8)
    mask[4:8, 30:40, 2:10] = 1
    source = VolumeSource("v", ArrayVolume(image), ArrayVolume(label), ArrayVolume(mask))
    dataset = RandomCropDataset(
        [source], (4, 8, 8), length=20, reject_max_tries=1000, deterministic=True
    )
    for i in range(20):
        sample = dataset[i]
        assert sample["mask"].dtype == torch.float32 and sample["mask"].sum() > 0


def test_volumes_are_chosen_in_proportion_to_their_size() -> None:
    small = _source((8, 16, 16), name="small")
    large = _source((24, 16, 16), name="large")
    sampler = CropSampler([small, large], (4, 8, 8), 0.0, 0, 50)
    rng = np.random.default_rng(0)
    picks = np.array([sampler.sample(rng).volume for _ in range(2000)])
    assert abs(picks.mean() - 0.75) < 0.04


def test_validation_crops_are_fixed_per_index(h5_volume: Path) -> None:
    cfg = _cfg(h5_volume, val_image=str(h5_volume), val_label=str(h5_volume))
    first = build_val_dataset(cfg, transform=None)
    second = build_val_dataset(cfg, transform=None)
    assert len(first) == 4
    origins = [first[i]["meta"]["origin"] for i in range(4)]
    assert origins == [second[i]["meta"]["origin"] for i in range(4)]
    assert origins == [first[i]["meta"]["origin"] for i in range(4)]
    assert len(set(origins)) > 1
    torch.testing.assert_close(first[2]["image"], second[2]["image"])


def test_training_crops_change_between_draws(h5_volume: Path) -> None:
    dataset = build_train_dataset(_cfg(h5_volume), transform=None)
    assert len(dataset) == 6 * 2 and isinstance(dataset.sources[0].image.path, str)
    origins = {dataset[0]["meta"]["origin"] for _ in range(6)}
    assert len(origins) > 1


def test_split_views_are_disjoint_cover_the_volume_and_read_nothing(
    h5_volume: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    volume = open_volume(h5_volume, "raw")
    reads = []
    monkeypatch.setattr(h5py.Dataset, "__getitem__", lambda *a: reads.append(a) or None)
    train, val = split_volume(volume, 0.25, axis=1)
    assert reads == []  # splitting is lazy
    monkeypatch.undo()
    assert isinstance(val, VolumeView)
    assert train.shape == (20, 36, 48) and val.shape == (20, 12, 48)
    whole = volume.read()
    np.testing.assert_array_equal(np.concatenate([train.read(), val.read()], axis=1), whole)
    np.testing.assert_array_equal(val[:, 2:5, 7], whole[:, 38:41, 7])
    with pytest.raises(DataError, match="val_split"):
        split_volume(volume, 1.5)


def test_val_split_config_gives_disjoint_train_and_val_ranges(h5_volume: Path) -> None:
    cfg = _cfg(h5_volume, val_split=0.1, split_axis=0)
    train = build_train_dataset(cfg, transform=None)
    val = build_val_dataset(cfg, transform=None)
    train_region = train.sources[0].image.region[0]
    val_region = val.sources[0].image.region[0]
    # 10% of 20 slices is 2, but each part is at least one patch (8 slices) long.
    assert (train_region.start, train_region.stop) == (0, 12)
    assert (val_region.start, val_region.stop) == (12, 20)
    assert train.sources[0].label.region == train.sources[0].image.region
    whole = open_volume(h5_volume, "raw").read()
    for i in range(4):
        assert train[i]["meta"]["origin"][0] + 8 <= 12
        sample = val[i]
        z, y, x = sample["meta"]["origin"]  # relative to the validation view
        expected = whole[12 + z : 20 + z, y : y + 16, x : x + 16] / 255.0
        np.testing.assert_allclose(sample["image"][0].numpy(), expected, rtol=1e-6)


def test_no_validation_without_val_image_or_split(h5_volume: Path) -> None:
    assert build_val_dataset(_cfg(h5_volume), transform=None) is None


def test_cache_reads_volumes_into_memory(h5_volume: Path) -> None:
    dataset = build_train_dataset(_cfg(h5_volume, cache=True), transform=None)
    assert isinstance(dataset.sources[0].image, ArrayVolume)
    h5_volume.unlink()  # crops now come from memory only
    assert dataset[0]["image"].shape == (1, 8, 16, 16)


def test_test_volumes_are_lazy_handles(h5_volume: Path) -> None:
    cfg = _cfg(h5_volume)
    cfg.data.test_image = str(h5_volume)
    volumes = build_test_volumes(cfg)
    assert [(name, image.key, label) for name, image, label in volumes] == [("vol", "raw", None)]
    cfg.data.test_label = str(h5_volume)
    assert build_test_volumes(cfg)[0][2].key == "label"


def test_config_errors_are_clear(h5_volume: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="smaller than the crop"):
        build_train_dataset(_cfg(h5_volume, patch_size=[64, 16, 16]), transform=None)
    with pytest.raises(DataError, match="no file matches"):
        build_train_dataset(_cfg(tmp_path / "*.tif"), transform=None)
    cfg = _cfg(h5_volume)
    cfg.data.train_label = [str(h5_volume), str(h5_volume)]
    with pytest.raises(DataError, match="one per image"):
        build_train_dataset(cfg, transform=None)
    write_volume(tmp_path / "other.npy", np.zeros((20, 48, 40), np.uint32))
    cfg.data.train_label = str(tmp_path / "other.npy")
    with pytest.raises(DataError, match="same voxels"):
        build_train_dataset(cfg, transform=None)
    with pytest.raises(ConfigError, match="data.normalize: unknown value 'minmax'"):
        _cfg(h5_volume, normalize="minmax")  # refused by the config, before any data is read


def test_normalization_modes() -> None:
    assert normalize_image(np.array([255], np.uint8), "scale")[0] == 1.0
    assert normalize_image(np.array([65535], np.uint16), "scale")[0] == 1.0
    assert normalize_image(np.array([3.5], np.float32), "scale")[0] == 3.5
    z = normalize_image(np.arange(10, dtype=np.uint8), "zscore")
    assert abs(z.mean()) < 1e-6 and abs(z.std() - 1) < 1e-5 and z.dtype == np.float32
    assert normalize_image(np.array([7], np.uint8), "none")[0] == 7.0


def test_batch_collation_and_unpacking() -> None:
    samples = [
        {
            "image": torch.zeros(1, 4, 4, 4),
            "target": torch.ones(2, 4, 4, 4),
            "weight": torch.ones(2, 4, 4, 4),
            "meta": {"i": i},
        }
        for i in range(3)
    ]
    batch = collate_batch(samples)
    assert isinstance(batch, Batch) and len(batch) == 3
    images, targets = batch
    assert images.shape == (3, 1, 4, 4, 4) and targets.shape == (3, 2, 4, 4, 4)
    assert batch["weight"].shape == (3, 2, 4, 4, 4) and batch["valid"] is None
    assert batch.meta == [{"i": 0}, {"i": 1}, {"i": 2}]
    labels_only = collate_batch(
        [{"image": np.zeros((1, 2, 2)), "label": np.ones((1, 2, 2), np.uint32)}]
    )
    assert labels_only.target.dtype == torch.int64
    with pytest.raises(KeyError, match="no field"):
        batch["nope"]


def test_default_pipeline_adds_targets(h5_volume: Path) -> None:
    cfg = _cfg(h5_volume, val_split=0.5)
    sample = build_train_dataset(cfg)[0]
    assert sample["target"].shape[1:] == (8, 16, 16)
    val_sample = build_val_dataset(cfg)[0]
    assert val_sample["target"].shape[1:] == (8, 16, 16)


def test_2d_volumes_and_globs_of_several_files(tmp_path: Path) -> None:
    for i in range(2):
        image, label = make_mitochondria_volume((1, 40, 40), seed=i)
        write_volume(tmp_path / f"slice{i}.h5:main", image[0])  # one dataset, not "raw"
        write_volume(tmp_path / f"slice{i}_label.npy", label[0])
    cfg = _cfg(tmp_path / "slice?.h5", patch_size=[16, 16])
    cfg.data.train_label = [str(tmp_path / "slice0_label.npy"), str(tmp_path / "slice1_label.npy")]
    dataset = build_train_dataset(cfg, transform=None)
    assert [s.name for s in dataset.sources] == ["slice0", "slice1"]
    assert dataset.sources[0].image.key == "main"  # the only dataset stands in for image_key
    sample = dataset[0]
    assert sample["image"].shape == (1, 16, 16) and sample["label"].shape == (1, 16, 16)
    y, x = sample["meta"]["origin"][1:]
    name = sample["meta"]["volume"]
    expected = open_volume(tmp_path / f"{name}_label.npy")[y : y + 16, x : x + 16]
    np.testing.assert_array_equal(sample["label"][0].numpy(), expected)
