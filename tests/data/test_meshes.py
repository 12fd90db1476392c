"""Neuroglancer legacy meshes of a precomputed segmentation (data.io.meshes): block seams."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from connectomics.data.io.meshes import write_meshes
from connectomics.data.io.precomputed import export_precomputed


def read_mesh(folder: Path, segment: int) -> tuple[np.ndarray, np.ndarray]:
    """All fragments of `segment` joined: vertices (x, y, z nm) and triangles."""
    names = json.loads((folder / "mesh" / f"{segment}:0").read_text())["fragments"]
    vertices, triangles = [], []
    for name in names:
        data = (folder / "mesh" / name).read_bytes()
        count = int(np.frombuffer(data, "<u4", 1)[0])
        tri = np.frombuffer(data, "<u4", offset=4 + 12 * count).reshape(-1, 3)
        triangles.append(tri + sum(len(v) for v in vertices))
        vertices.append(np.frombuffer(data, "<f4", 3 * count, offset=4).reshape(count, 3))
    return np.concatenate(vertices), np.concatenate(triangles)


def area(vertices: np.ndarray, triangles: np.ndarray) -> float:
    """Total area of the triangles (nm^2)."""
    a, b, c = (vertices[triangles[:, i]].astype(np.float64) for i in range(3))
    return float(np.linalg.norm(np.cross(b - a, c - a), axis=1).sum() / 2)


def test_blocks_tile_the_surface_without_gaps_or_repeats(tmp_path: Path) -> None:
    labels = np.zeros((12, 20, 18), np.uint32)
    zz, yy, xx = np.mgrid[:12, :20, :18]
    labels[(zz - 6) ** 2 + ((yy - 9) / 1.5) ** 2 + (xx - 8) ** 2 < 30] = 3  # crosses block faces
    labels[:4, 14:, 10:] = 9  # touches three faces of the volume
    voxel = (30.0, 6.0, 4.0)
    areas = {}
    for block in (7, 64):  # 7: blocks of unequal size on every axis; 64: one block
        folder = tmp_path / f"b{block}"
        export_precomputed(labels, folder, voxel, "segmentation")
        assert write_meshes(folder, reduction=0, block=block) == 2
        areas[block] = {s: area(*read_mesh(folder, s)) for s in (3, 9)}
    assert len(json.loads((tmp_path / "b7" / "mesh" / "3:0").read_text())["fragments"]) > 4
    for segment in (3, 9):
        np.testing.assert_allclose(areas[7][segment], areas[64][segment], rtol=1e-5)
        assert closed(*read_mesh(tmp_path / "b7", segment))  # seams and volume faces closed


def closed(vertices: np.ndarray, triangles: np.ndarray) -> bool:
    """Whether every edge (fragments' shared vertices merged) borders exactly two triangles."""
    _, merged = np.unique(np.round(vertices, 3), axis=0, return_inverse=True)
    corners = merged.ravel()[triangles]
    edges = np.sort(corners[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    return bool((counts == 2).all())
