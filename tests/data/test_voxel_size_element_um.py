"""HDF5 files written by ImageJ/ilastik record the voxel size as element_size_um."""

import h5py
import numpy as np

from connectomics.data.io.voxel_size import read_voxel_size


def test_element_size_um_is_read_in_nm(tmp_path):
    path = tmp_path / "em.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("raw", data=np.zeros((4, 5, 6), np.uint8))
        f["raw"].attrs["element_size_um"] = [0.03, 0.008, 0.008]
    assert read_voxel_size(f"{path}:raw") == (30.0, 8.0, 8.0)
