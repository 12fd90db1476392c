"""All-zero training labels are warned about once, naming the volume, when data is set up."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tests.lightning.conftest import LUCCHI


@pytest.fixture(autouse=True)
def _fresh_warning_memory(monkeypatch):
    from connectomics.data.datasets import label_checks

    monkeypatch.setattr(label_checks, "_warned", set())


def test_train_warns_once_naming_the_empty_label_volume(cli, overrides, tmp_path):
    from connectomics.data.io import write_volume

    empty = tmp_path / "empty_label.h5"
    write_volume(str(empty), np.zeros((16, 32, 32), np.uint32), key="label")
    code, _, err = cli("train", "--config", LUCCHI, *overrides, f"data.train_label={empty}:label")
    assert code == 0, err
    assert err.count("is zero everywhere") == 1, err
    assert f"{empty}:label" in err


def test_a_single_labelled_voxel_between_the_sampled_sections_is_found(tmp_path):
    from connectomics.data.datasets.label_checks import EmptyLabelWarning, warn_empty_labels
    from connectomics.data.datasets.sources import VolumeSource
    from connectomics.data.io import open_volume, write_volume

    label = np.zeros((40, 8, 8), np.uint8)
    label[7, 3, 3] = 1  # z=7 is not among the 16 sections sampled from 40
    write_volume(str(tmp_path / "sparse.h5"), label, key="label")
    write_volume(str(tmp_path / "none.h5"), np.zeros_like(label), key="label")
    opened = {n: open_volume(str(tmp_path / f"{n}.h5"), key="label") for n in ("sparse", "none")}
    sources = [VolumeSource(name, volume, volume, None) for name, volume in opened.items()]
    with pytest.warns(EmptyLabelWarning, match=r"none\.h5:label \(none\) is zero everywhere"):
        assert len(warn_empty_labels(sources)) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert warn_empty_labels(sources) == []  # once per volume
