"""Neuroglancer legacy meshes for a precomputed segmentation, made block by block with zmesh.

Each block of the segmentation's first scale is read with one more voxel on its far side (and
one zero voxel beyond the volume's faces, so surfaces there close), so the marching-cubes cells
of neighbouring blocks tile the volume with no gap and no repeat. Every segment gets one
fragment file per block it touches and a ``<id>:0`` manifest listing them, in the folder the
``info`` names under ``"mesh"``. Vertices are in nm in the x, y, z order of the precomputed
axes, on voxel corners (voxel i spans [i, i + 1) times the resolution, as neuroglancer draws it).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from connectomics.data.errors import DataError
from connectomics.data.io.precomputed import BLOCK, blocks

__all__ = ["MESH_DIR", "write_meshes"]

MESH_DIR = "mesh"  # the mesh folder, named in the segmentation's info


def _open_scale0(folder: Path) -> Any:
    """Scale 0 of the precomputed layer in `folder` as an (x, y, z) array indexed from 0."""
    import tensorstore as ts

    spec = {
        "driver": "neuroglancer_precomputed",
        "kvstore": {"driver": "file", "path": str(folder)},
        "scale_index": 0,
    }
    store = ts.open(spec, read=True).result()
    return store[ts.d[:].translate_to[0]][..., 0]


def _padded_block(store: Any, box: tuple[slice, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The block `box` with one more voxel on each far side, zero-padded by one voxel where it
    meets a face of the volume; and the voxel position of its first voxel."""
    shape = store.shape
    stop = [min(s.stop + 1, n) for s, n in zip(box, shape, strict=True)]
    index = tuple(slice(s.start, e) for s, e in zip(box, stop, strict=True))
    data = np.asarray(store[index].read().result())
    before = [int(s.start == 0) for s in box]
    after = [int(s.stop == n) for s, n in zip(box, shape, strict=True)]
    padded = np.pad(data, list(zip(before, after, strict=True)))
    return padded, np.array([s.start for s in box]) - before


def _block_meshes(
    labels: np.ndarray, resolution: np.ndarray, reduction: int
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(segment id, vertices in nm from the block's first voxel, triangles) of each nonzero
    segment in `labels`, simplified by about `reduction` times (0 or 1: not simplified)."""
    import zmesh

    mesher = zmesh.Mesher(resolution)
    mesher.mesh(labels)
    for segment in mesher.ids():
        if segment == 0:
            continue
        # max_error: one voxel along its shortest side, so no vertex moves past a voxel
        mesh = mesher.get(
            segment, reduction_factor=reduction, max_error=resolution.min(), voxel_centered=True
        )
        if len(mesh.faces):
            yield int(segment), mesh.vertices, mesh.faces
        mesher.erase(segment)


def fragment_bytes(vertices: np.ndarray, triangles: np.ndarray) -> bytes:
    """One legacy mesh fragment: uint32 vertex count, float32 x y z vertices, uint32 triangles."""
    count = np.array([len(vertices)], "<u4").tobytes()
    return count + vertices.astype("<f4").tobytes() + triangles.astype("<u4").tobytes()


def write_meshes(folder: str | Path, reduction: int, block: int = BLOCK) -> int:
    """Mesh every nonzero segment of the precomputed segmentation in `folder` into its ``mesh``
    folder, `block` voxels per axis at a time (triangles reduced about `reduction` times, within
    one voxel; 0: as marching cubes makes them), name that folder in its ``info``; returns the
    number of segments meshed."""
    folder = Path(folder)
    info = json.loads((folder / "info").read_text())
    if info.get("type") != "segmentation":
        raise DataError(f"meshes are made for segmentations; {folder} is a {info.get('type')}")
    scale = info["scales"][0]
    resolution = np.asarray(scale["resolution"], np.float32)
    origin = np.asarray(scale.get("voxel_offset", [0, 0, 0]), np.float64)
    store = _open_scale0(folder)
    out = folder / MESH_DIR
    out.mkdir()
    fragments: dict[int, list[str]] = defaultdict(list)
    for box in blocks(store.shape, block):
        labels, corner = _padded_block(store, box)
        shift = ((origin + corner) * resolution).astype(np.float32)
        tag = "_".join(str(s.start) for s in box)
        for segment, vertices, triangles in _block_meshes(labels, resolution, reduction):
            name = f"{segment}:0:{tag}"
            (out / name).write_bytes(fragment_bytes(vertices + shift, triangles))
            fragments[segment].append(name)
    for segment, names in fragments.items():
        (out / f"{segment}:0").write_text(json.dumps({"fragments": names}))
    (out / "info").write_text(json.dumps({"@type": "neuroglancer_legacy_mesh"}))
    info["mesh"] = MESH_DIR
    (folder / "info").write_text(json.dumps(info))
    return len(fragments)
