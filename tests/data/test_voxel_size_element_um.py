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


def test_ome_zarr_multiscales_scale_is_read(tmp_path):
    import zarr

    path = str(tmp_path / "seg.ome.zarr")
    root = zarr.open_group(path, mode="w")
    root.create_array("0", shape=(4, 8, 8), dtype="uint8")
    axes = [{"name": n, "type": "space", "unit": "nanometer"} for n in "zyx"]
    datasets = [
        {"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [30, 4, 4]}]}
    ]
    root.attrs["multiscales"] = [{"version": "0.4", "axes": axes, "datasets": datasets}]
    assert read_voxel_size(f"{path}:0") == (30.0, 4.0, 4.0)


def test_ome_zarr_v05_micrometre_scale_is_converted_to_nm(tmp_path):
    import zarr

    path = str(tmp_path / "img.ome.zarr")
    root = zarr.open_group(path, mode="w")
    root.create_array("s1", shape=(4, 8, 8), dtype="uint8")
    axes = [{"name": n, "type": "space", "unit": "micrometer"} for n in "zyx"]
    scale = {"type": "scale", "scale": [0.06, 0.016, 0.016]}
    datasets = [{"path": "s1", "coordinateTransformations": [scale]}]
    root.attrs["ome"] = {"version": "0.5", "multiscales": [{"axes": axes, "datasets": datasets}]}
    z, y, x = read_voxel_size(f"{path}:s1")
    assert (round(z, 6), round(y, 6), round(x, 6)) == (60.0, 16.0, 16.0)
