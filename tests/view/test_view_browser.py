"""`connectomics view` in a real headless Chromium: layers, voxel size, served chunks, pixels."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import subprocess
import sys
import time
import urllib.request
import zlib
from pathlib import Path

import h5py
import numpy as np
import pytest
import zarr

from connectomics.data.decoding.affinity_cc import affinity_cc
from connectomics.data.targets.affinity import compute_affinities
from connectomics.data.view.browser import headless_chromium

REPO = Path(__file__).resolve().parents[2]
# the docs page shows this picture; the docs session runs the screenshot test to make it
DOCS_SCREENSHOT = REPO / "docs" / "_generated" / "look-at-results.png"
VOXEL_NM = 10.0  # the NeuroProof FIB-SEM crop is 10 nm isotropic
OFFSETS = [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
# a browser start, the page load and the chunk reads take ~20-40 s on 2 loaded cores
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def volumes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The crop's raw (with its voxel size recorded), its affinities and their decoding."""
    out = tmp_path_factory.mktemp("view")
    with h5py.File(REPO / "tests" / "em_data" / "neuroproof_ts2_crop.h5", "r") as source:
        raw, label = source["raw"][:], source["label"][:]
    with h5py.File(out / "raw.h5", "w") as target:
        target.create_dataset("raw", data=raw).attrs["resolution"] = [VOXEL_NM] * 3
    affinities, _ = compute_affinities(label, OFFSETS)
    zarr.open_array(str(out / "affinities.zarr"), mode="w", shape=affinities.shape, dtype="f4")[
        ...
    ] = affinities
    zarr.open_array(str(out / "affinities.zarr"), mode="r+").attrs["resolution"] = [VOXEL_NM] * 3
    segmentation = affinity_cc(affinities, threshold=0.5).astype(np.uint32)
    assert len(np.unique(segmentation)) > 5  # a real decoding: many segments
    store = zarr.open_array(
        str(out / "segmentation.zarr"), mode="w", shape=segmentation.shape, dtype="u4"
    )
    store[...] = segmentation
    store.attrs["resolution"] = [VOXEL_NM] * 3
    np.save(out / "segmentation.npy", segmentation)
    return {
        "raw": f"{out}/raw.h5:raw",
        "affinities": str(out / "affinities.zarr"),
        "segmentation": str(out / "segmentation.zarr"),
        "expected": str(out / "segmentation.npy"),
    }


def view_command(*args: str) -> list[str]:
    """`connectomics view ARGS` run with this interpreter."""
    return [sys.executable, "-m", "connectomics.cli.main", "view", *args]


def free_port() -> int:
    """A free local TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def page_state(devtools_port: int, timeout: float = 60.0) -> dict:
    """The viewer state the page holds once its layers are loaded, read over DevTools."""
    from tornado.websocket import websocket_connect

    async def read() -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                url = f"http://127.0.0.1:{devtools_port}/json"
                pages = json.load(urllib.request.urlopen(url, timeout=5))
                target = next(p for p in pages if p.get("type") == "page")
                break
            except (OSError, StopIteration):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
        socket_ = await websocket_connect(target["webSocketDebuggerUrl"])
        expression = "window.viewer ? JSON.stringify(viewer.state.toJSON()) : ''"
        try:
            while time.monotonic() < deadline:
                message = {
                    "id": 1,
                    "method": "Runtime.evaluate",
                    "params": {"expression": expression},
                }
                await socket_.write_message(json.dumps(message))
                while True:
                    reply = json.loads(await socket_.read_message())
                    if reply.get("id") == 1:
                        break
                text = reply["result"]["result"].get("value") or ""
                state = json.loads(text) if text else {}
                if len(state.get("layers", [])) == 3:
                    return state
                await asyncio.sleep(0.2)
        finally:
            socket_.close()
        raise AssertionError("the page never showed three layers")

    return asyncio.run(read())


def test_served_page_lists_layers_and_serves_segmentation_chunks(volumes: dict) -> None:
    order = [volumes["raw"], volumes["affinities"], volumes["segmentation"]]
    server = subprocess.Popen(view_command(*order), stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        assert url.startswith("http://127.0.0.1:") and "/v/" in url
        port = free_port()
        with headless_chromium(url, port=port):
            state = page_state(port)
        names = [layer["name"] for layer in state["layers"]]
        assert names == ["raw:raw", "affinities", "segmentation"]
        types = [layer["type"] for layer in state["layers"]]
        assert types == ["image", "image", "segmentation"]
        dimensions = state["dimensions"]
        assert sorted(dimensions) == ["x", "y", "z"]
        assert all(v == [pytest.approx(VOXEL_NM * 1e-9), "m"] for v in dimensions.values())
        base = url.split("/v/")[0]
        keys = []
        for layer in state["layers"]:  # each layer's data is served at 10 nm voxels
            source = layer["source"] if isinstance(layer["source"], str) else layer["source"]["url"]
            keys.append(source.rsplit("/", 1)[-1])
            with urllib.request.urlopen(f"{base}/neuroglancer/info/{keys[-1]}") as response:
                space = json.load(response)["coordinateSpace"]
            spatial = {name: value for name, value in space.items() if name in ("z", "y", "x")}
            assert spatial == {n: [pytest.approx(VOXEL_NM * 1e-9), "m"] for n in "zyx"}, space
        key = keys[2]
        expected = np.load(volumes["expected"])
        end = ",".join(str(n) for n in expected.shape)
        chunk_url = f"{base}/neuroglancer/npz/{key}/1,1,1/0,0,0/{end}"
        with urllib.request.urlopen(chunk_url, timeout=30) as response:
            assert response.status == 200
            served = np.load(io.BytesIO(zlib.decompress(response.read())))
        np.testing.assert_array_equal(served, expected)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_screenshot_shows_the_volumes(volumes: dict) -> None:
    from PIL import Image

    DOCS_SCREENSHOT.unlink(missing_ok=True)
    order = [volumes["raw"], volumes["affinities"], volumes["segmentation"]]
    result = subprocess.run(
        view_command(*order, "--screenshot", str(DOCS_SCREENSHOT)),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    for layer in ("raw:raw: image", "affinities: prediction", "segmentation: segmentation"):
        assert f"layer {layer}, 10x10x10 nm" in result.stderr
    pixels = np.asarray(Image.open(DOCS_SCREENSHOT).convert("RGB"))
    assert pixels.shape == (768, 1024, 3)
    # the data, not a blank canvas: many distinct colours, and colour (segments) beside grey
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 300
    assert (np.ptp(pixels.astype(int), axis=2) > 60).mean() > 0.05
