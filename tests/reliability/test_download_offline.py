"""Downloads without a network: the error says where to put a file fetched elsewhere and
leaves no empty folder or phantom .part; `download NAME --from DIR` and a file placed by hand
are verified as a download; a truncated file is never reported ready."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import tifffile

from tests.data.test_download import VOLUME, register_toy, toy_zip

UNREACHABLE = "http://127.0.0.1:9/toy.zip"  # the discard port: nothing listens


def _one_error(err: str) -> str:
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    return err


def test_offline_download_names_the_way_by_hand_and_leaves_nothing(tmp_path, monkeypatch, cli):
    register_toy(monkeypatch, UNREACHABLE, None)
    code, _, err = cli("download", "toy", "--to", tmp_path / "datasets")
    assert code == 2
    err = _one_error(err)
    assert ".part" not in err  # no partial file exists, so none is named
    assert "--from DIR" in err and "datasets/toy/toy.zip" in err
    assert not (tmp_path / "datasets").exists()  # no empty folders left


def test_download_from_a_folder_is_verified_and_keeps_the_given_file(tmp_path, monkeypatch, cli):
    register_toy(monkeypatch, UNREACHABLE, None)
    fetched = tmp_path / "usb"
    fetched.mkdir()
    body = toy_zip()
    (fetched / "toy.zip").write_bytes(body)
    to = tmp_path / "datasets"
    code, out, err = cli("download", "toy", "--from", fetched, "--to", to)
    assert code == 0, err
    np.testing.assert_array_equal(tifffile.imread(to / "toy" / "train_im.tif"), VOLUME)
    record = json.loads((to / ".checksums.json").read_text())
    assert record["toy"] == hashlib.sha256(body).hexdigest()
    assert (fetched / "toy.zip").read_bytes() == body  # the user's copy is left as it was

    # a later copy must match the recorded hash, as a later download must
    (fetched / "toy.zip").write_bytes(body[:-10] + b"0123456789")
    code, _, err = cli("download", "toy", "--from", fetched, "--to", to, "--force")
    assert code == 2 and "checksum mismatch" in _one_error(err)


def test_truncated_file_from_a_folder_is_refused_and_leaves_nothing(tmp_path, monkeypatch, cli):
    register_toy(monkeypatch, UNREACHABLE, None)
    fetched = tmp_path / "usb"
    fetched.mkdir()
    body = toy_zip()
    (fetched / "toy.zip").write_bytes(body[: len(body) - 40])
    code, _, err = cli("download", "toy", "--from", fetched, "--to", tmp_path / "datasets")
    err = _one_error(err)
    assert code == 2 and "truncated" in err and str(fetched / "toy.zip") in err
    assert not (tmp_path / "datasets").exists()
    assert (fetched / "toy.zip").stat().st_size == len(body) - 40  # left where it was


def test_file_placed_by_hand_is_used_and_verified(tmp_path, monkeypatch, cli):
    body = toy_zip()
    register_toy(monkeypatch, UNREACHABLE, hashlib.sha256(body).hexdigest())
    placed = tmp_path / "datasets" / "toy"
    placed.mkdir(parents=True)
    (placed / "toy.zip").write_bytes(body)
    code, out, err = cli("download", "toy", "--to", tmp_path / "datasets")
    assert code == 0, err and "ready" in out
    assert (placed / "train_label.tif").exists() and not (placed / "toy.zip").exists()


def test_a_truncated_file_is_not_reported_ready(tmp_path, monkeypatch, cli):
    register_toy(monkeypatch, UNREACHABLE, None)
    fetched = tmp_path / "usb"
    fetched.mkdir()
    (fetched / "toy.zip").write_bytes(toy_zip())
    to = tmp_path / "datasets"
    assert cli("download", "toy", "--from", fetched, "--to", to)[0] == 0
    image = to / "toy" / "train_im.tif"
    whole = image.read_bytes()
    image.write_bytes(whole[: len(whole) // 2])
    code, out, err = cli("download", "toy", "--to", to)
    assert code == 2 and "ready" not in out
    assert "train_im.tif differs from the file the download of toy made" in _one_error(err)
    assert cli("download", "toy", "--from", fetched, "--to", to, "--force")[0] == 0
    assert image.read_bytes() == whole
