"""`test` names outputs apart per volume (two volumes of one file name), and a second `test`
never replaces earlier predictions and scores without --overwrite."""

from __future__ import annotations

import shutil
from pathlib import Path


def _option(trained, key: str) -> str:
    return next(o for o in trained["overrides"] if o.startswith(f"{key}=")).split("=", 1)[1]


def test_volumes_of_one_file_name_get_names_apart():
    from connectomics.data.datasets.sources import source_names

    paths = ["a/vol.h5:raw", "b/vol.h5:raw", "c/other.h5", "x/f.h5:one", "x/f.h5:two/raw"]
    assert source_names(paths) == ["a_vol_raw", "b_vol_raw", "other", "x_f_one", "x_f_two-raw"]
    assert source_names(["a/vol.h5", "a/vol.zarr"]) == ["a_vol_0", "a_vol_1"]


def test_two_test_volumes_named_alike_and_a_second_test(cli, trained, tmp_path):
    image = Path(_option(trained, "data.test_image"))  # test_im.h5
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(image, tmp_path / folder / image.name)
    out = tmp_path / "out"
    args = [
        "test",
        "--checkpoint",
        trained["ckpt"],
        f"data.test_image=[{tmp_path / 'a' / image.name}:raw,{tmp_path / 'b' / image.name}:raw]",
        "data.test_label=null",
        f"inference.output_path={out}",
        "decoding.name=none",
    ]
    code, _, err = cli(*args)
    assert code == 0, err
    written = sorted(p.name for p in out.iterdir())
    assert written == ["a_test_im_raw_prediction.zarr", "b_test_im_raw_prediction.zarr"], written
    before = {p: p.stat().st_mtime_ns for p in out.iterdir()}

    code, _, err = cli(*args)
    assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert "--overwrite" in err and "a_test_im_raw_prediction.zarr" in err
    assert {p: p.stat().st_mtime_ns for p in out.iterdir()} == before

    code, _, err = cli(*args, "--overwrite")
    assert code == 0, err
    assert all(p.stat().st_mtime_ns != before[p] for p in out.iterdir())
