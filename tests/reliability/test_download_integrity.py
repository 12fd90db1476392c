"""A truncated download is never trusted: checked against Content-Length and the archive."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.data.test_download import RangeHandler, register_toy, serve, toy_zip


class CuttingHandler(RangeHandler):
    """Sends only the first `cut` bytes of a full (non-range) answer, then hangs up."""

    cut: int | None = None
    send_length = True

    def do_GET(self):  # noqa: N802 - http.server's naming
        body = self.files[self.path]
        wanted = self.headers.get("Range")
        if wanted or self.cut is None:
            return super().do_GET()
        self.send_response(200)
        if self.send_length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: self.cut])
        self.close_connection = True


@pytest.fixture
def server():
    handler = type("Handler", (CuttingHandler,), {"files": {}, "ranges": []})
    yield from serve(handler)


def test_truncated_first_download_is_not_recorded_and_the_next_one_succeeds(
    server, tmp_path, monkeypatch
):
    from connectomics.data.download import download
    from connectomics.data.errors import DataError

    base, handler = server
    body = toy_zip()
    handler.files["/toy.zip"] = body
    handler.cut = len(body) // 2
    register_toy(monkeypatch, f"{base}/toy.zip", None)
    with pytest.raises(DataError, match=rf"incomplete: {len(body) // 2} of {len(body)} bytes"):
        download("toy", to=tmp_path)
    assert not (tmp_path / ".checksums.json").exists()  # nothing trusted yet
    handler.cut = None
    folder = download("toy", to=tmp_path)  # resumes the partial file with a Range request
    assert handler.ranges[-1] == f"bytes={len(body) // 2}-"
    assert (folder / "train_im.tif").exists()
    recorded = json.loads((tmp_path / ".checksums.json").read_text())["toy"]
    assert recorded == hashlib.sha256(body).hexdigest()


def test_truncated_archive_without_content_length_is_refused(server, tmp_path, monkeypatch):
    from connectomics.data.download import download
    from connectomics.data.errors import DataError

    base, handler = server
    body = toy_zip()
    handler.files["/toy.zip"] = body
    handler.cut, handler.send_length = len(body) - 40, False
    register_toy(monkeypatch, f"{base}/toy.zip", None)
    with pytest.raises(DataError, match="not a readable archive|truncated or damaged"):
        download("toy", to=tmp_path)
    assert not (tmp_path / ".checksums.json").exists()
    assert not list((tmp_path / "toy").glob("toy.zip*"))  # the bad file is gone
    handler.cut = None
    download("toy", to=tmp_path)
    recorded = json.loads((tmp_path / ".checksums.json").read_text())["toy"]
    assert recorded == hashlib.sha256(body).hexdigest()


def test_damaged_zip_member_fails_its_crc(tmp_path):
    from connectomics.data.download.extract import check_archive_complete
    from connectomics.data.errors import DataError

    body = bytearray(toy_zip())
    body[60] ^= 0xFF  # flip a byte inside the first member's data
    path = tmp_path / "toy.zip"
    path.write_bytes(bytes(body))
    with pytest.raises(DataError, match="CRC|damaged"):
        check_archive_complete(path)
