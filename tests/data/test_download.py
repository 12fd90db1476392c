"""Downloads from a loopback HTTP server: extraction, resume, checksums, unsafe archives."""

from __future__ import annotations

import hashlib
import http.server
import io
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import h5py
import numpy as np
import pytest
import tifffile

from connectomics.data.download import DATASETS, DatasetEntry, download, fetch, safe_extract
from connectomics.data.errors import DataError

VOLUME = np.arange(2 * 4 * 5, dtype=np.uint8).reshape(2, 4, 5)


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves `files` (path -> bytes), honouring 'Range: bytes=N-' unless `ignore_range`."""

    files: dict[str, bytes] = {}
    ignore_range = False
    ranges: list[str | None] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        wanted = self.headers.get("Range")
        type(self).ranges.append(wanted)
        if wanted and not self.ignore_range:
            start = int(wanted.removeprefix("bytes=").rstrip("-"))
            if start >= len(body):
                self.send_response(416)
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            body = body[start:]
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[tuple[str, type]]:
    """Run `handler` on a threaded loopback server on a free port; yield (base url, handler)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def server():
    """A loopback server of RangeHandler; yields (base url, handler class)."""
    handler = type("Handler", (RangeHandler,), {"files": {}, "ranges": [], "ignore_range": False})
    yield from serve(handler)


def toy_zip() -> bytes:
    """A zip nesting an HDF5 volume and a TIFF, as upstream archives do."""
    h5 = io.BytesIO()
    with h5py.File(h5, "w") as f:
        f["main"] = VOLUME
    tif = io.BytesIO()
    tifffile.imwrite(tif, VOLUME)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("toy/train-im.h5", h5.getvalue())
        zf.writestr("toy/train-labels.tif", tif.getvalue())
    return out.getvalue()


def register_toy(monkeypatch, url: str, sha256: str | None) -> DatasetEntry:
    """A registry entry for the toy archive served at `url`."""
    entry = DatasetEntry(
        name="toy",
        description="toy",
        url=url,
        filename="toy.zip",
        sha256=sha256,
        license="test",
        voxel_size_nm=(1.0, 1.0, 1.0),
        shapes={"train_im.tif": VOLUME.shape, "train_label.tif": VOLUME.shape},
        arrange=(("train-im.h5", "train_im.tif"), ("train-labels.tif", "train_label.tif")),
    )
    monkeypatch.setitem(DATASETS, "toy", entry)
    return entry


def test_registry_entries_have_required_fields():
    assert {"lucchi++", "snemi3d", "cremi_a", "cremi_b", "cremi_c"} <= set(DATASETS)
    for name, entry in DATASETS.items():
        assert entry.name == name and entry.description and entry.license
        assert entry.url.startswith(("https://", "file://")) and entry.filename
        assert entry.sha256 is None or len(entry.sha256) == 64
        assert len(entry.voxel_size_nm) == 3 and entry.shapes and entry.files
    assert DATASETS["lucchi++"].files == [
        "lucchi++/train_im.tif",
        "lucchi++/train_label.tif",
        "lucchi++/test_im.tif",
        "lucchi++/test_label.tif",
    ]
    assert DATASETS["snemi3d"].files == [
        "snemi3d/train_image.tif",
        "snemi3d/train_label.tif",
        "snemi3d/test_image.tif",
    ]


def test_download_verifies_extracts_and_arranges(server, tmp_path, monkeypatch):
    base, handler = server
    body = toy_zip()
    handler.files["/toy.zip"] = body
    register_toy(monkeypatch, f"{base}/toy.zip", hashlib.sha256(body).hexdigest())
    folder = download("toy", to=tmp_path)
    assert folder == tmp_path / "toy"
    np.testing.assert_array_equal(tifffile.imread(folder / "train_im.tif"), VOLUME)
    np.testing.assert_array_equal(tifffile.imread(folder / "train_label.tif"), VOLUME)
    assert not (folder / "toy.zip").exists() and not (folder / "toy.zip.part").exists()
    handler.files.clear()  # a complete folder is not downloaded again
    assert download("toy", to=tmp_path) == folder


def test_first_download_records_hash_and_later_ones_must_match(server, tmp_path, monkeypatch):
    base, handler = server
    body = toy_zip()
    handler.files["/toy.zip"] = body
    register_toy(monkeypatch, f"{base}/toy.zip", None)
    download("toy", to=tmp_path)
    assert hashlib.sha256(body).hexdigest() in (tmp_path / ".checksums.json").read_text()
    handler.files["/toy.zip"] = body + b"tampered"
    with pytest.raises(DataError, match="checksum mismatch"):
        download("toy", to=tmp_path, force=True)


def test_resume_appends_to_partial_file(server, tmp_path):
    base, handler = server
    body = bytes(range(256)) * 64
    handler.files["/blob.bin"] = body
    (tmp_path / "blob.bin.part").write_bytes(body[:1000])
    fetch(f"{base}/blob.bin", tmp_path / "blob.bin")
    assert (tmp_path / "blob.bin").read_bytes() == body
    assert handler.ranges == ["bytes=1000-"]


def test_progress_reports_bytes_of_a_resumed_download(server, tmp_path):
    base, handler = server
    body = bytes(range(256)) * 64
    handler.files["/blob.bin"] = body
    (tmp_path / "blob.bin.part").write_bytes(body[:1000])
    seen = []
    fetch(f"{base}/blob.bin", tmp_path / "blob.bin", progress=lambda d, t: seen.append((d, t)))
    assert (tmp_path / "blob.bin").read_bytes() == body
    assert seen[-1] == (len(body), len(body)) and seen[0][0] > 1000


def test_resume_restarts_when_server_ignores_range(server, tmp_path):
    base, handler = server
    body = bytes(range(256)) * 64
    handler.files["/blob.bin"] = body
    handler.ignore_range = True
    (tmp_path / "blob.bin.part").write_bytes(b"stale bytes from elsewhere")
    fetch(f"{base}/blob.bin", tmp_path / "blob.bin")
    assert (tmp_path / "blob.bin").read_bytes() == body


def test_checksum_mismatch_names_both_hashes(server, tmp_path, monkeypatch):
    base, handler = server
    body = toy_zip()
    handler.files["/toy.zip"] = body
    register_toy(monkeypatch, f"{base}/toy.zip", "0" * 64)
    with pytest.raises(DataError) as err:
        download("toy", to=tmp_path)
    assert "0" * 64 in str(err.value) and hashlib.sha256(body).hexdigest() in str(err.value)
    assert not (tmp_path / "toy" / "toy.zip").exists()
    assert (tmp_path / "toy" / "toy.zip.bad").exists()
    assert not (tmp_path / "toy" / "train_im.tif").exists()


def test_unknown_dataset_and_missing_server_raise_data_errors(tmp_path):
    with pytest.raises(DataError, match="unknown dataset 'nope'"):
        download("nope", to=tmp_path)
    with pytest.raises(DataError, match="download of"):
        fetch("http://127.0.0.1:9/none.bin", tmp_path / "none.bin", timeout=2)


@pytest.mark.parametrize("member", ["../evil.txt", "/tmp/evil.txt", "a/../../evil.txt"])
def test_zip_traversal_member_is_refused(tmp_path, member):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.txt", "fine")
        zf.writestr(zipfile.ZipInfo(member), "evil")
    with pytest.raises(DataError, match="outside"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "out" / "ok.txt").exists()  # nothing extracted before the check


def _tar_with(archive: Path, info: tarfile.TarInfo, data: bytes = b"") -> None:
    with tarfile.open(archive, "w") as tf:
        tf.addfile(info, io.BytesIO(data) if data else None)


@pytest.mark.parametrize("member", ["../evil.txt", "/abs/evil.txt"])
def test_tar_traversal_member_is_refused(tmp_path, member):
    archive = tmp_path / "bad.tar"
    info = tarfile.TarInfo(member)
    info.size = 4
    _tar_with(archive, info, b"evil")
    with pytest.raises(DataError, match="outside"):
        safe_extract(archive, tmp_path / "out")


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_tar_link_leaving_target_is_refused(tmp_path, kind):
    archive = tmp_path / "link.tar"
    info = tarfile.TarInfo("inside/link")
    info.type = kind
    info.linkname = "../../../etc/passwd"
    _tar_with(archive, info)
    with pytest.raises(DataError, match="links to"):
        safe_extract(archive, tmp_path / "out")


def test_safe_tar_extracts(tmp_path):
    archive = tmp_path / "good.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        info = tarfile.TarInfo("sub/data.txt")
        info.size = 5
        tf.addfile(info, io.BytesIO(b"hello"))
    files = safe_extract(archive, tmp_path / "out")
    assert (tmp_path / "out" / "sub" / "data.txt").read_bytes() == b"hello"
    assert files == [(tmp_path / "out" / "sub" / "data.txt").resolve()]


def test_packaged_fibsem_medulla_downloads_offline_with_its_published_hash(tmp_path):
    assert DATASETS["fibsem_medulla"].sha256 is not None
    folder = download("fibsem_medulla", to=tmp_path)
    for split, bodies in (("train", 87), ("test", 132)):
        with h5py.File(folder / f"{split}.h5", "r") as f:
            assert f["raw"].shape == f["label"].shape == (50, 100, 200)
            assert f["raw"].dtype == np.uint8 and len(np.unique(f["label"][:])) - 1 == bodies
