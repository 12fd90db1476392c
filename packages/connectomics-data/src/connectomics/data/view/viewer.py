"""A local neuroglancer viewer serving our volumes lazily, and a one-shot headless screenshot."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from connectomics.data.errors import DataError
from connectomics.data.view.layers import LayerSpec

# the voxel size (nm) used for a volume whose file records none and no --voxel-size is given
FALLBACK_VOXEL_SIZE = (1.0, 1.0, 1.0)
# the panel size (pixels) the initial zoom fits the first volume into
PANEL_PIXELS = 300
# colour of each prediction channel (the first three: x, y, z affinities in our layouts)
CHANNEL_COLOURS = ("vec3(1.0, 0.0, 0.0)", "vec3(0.0, 1.0, 0.0)", "vec3(0.0, 0.0, 1.0)")


def prediction_shader(channels: int) -> str:
    """A shader that shows up to three prediction channels as red, green and blue."""
    terms = " + ".join(
        f"toNormalized(getDataValue({c})) * {CHANNEL_COLOURS[c]}" for c in range(min(channels, 3))
    )
    return f"void main() {{ emitRGB({terms}); }}"


def local_volume(spec: LayerSpec) -> Any:
    """The neuroglancer LocalVolume that serves `spec`'s data chunk by chunk."""
    import neuroglancer

    scales = list(spec.voxel_size or FALLBACK_VOXEL_SIZE)
    names, units = ["z", "y", "x"], ["nm"] * 3
    if spec.kind == "prediction":
        names, units, scales = ["c^", *names], ["", *units], [1.0, *scales]
    space = neuroglancer.CoordinateSpace(names=names, units=units, scales=scales)
    volume_type = "segmentation" if spec.kind == "segmentation" else "image"
    return neuroglancer.LocalVolume(spec.data, dimensions=space, volume_type=volume_type)


def open_viewer(specs: list[LayerSpec], bind: str = "127.0.0.1", port: int = 0) -> Any:
    """Start neuroglancer's server (a random free port by default) with one layer per spec."""
    import neuroglancer

    if not specs:
        raise DataError("give at least one volume to view")
    neuroglancer.set_server_bind_address(bind, port)
    viewer = neuroglancer.Viewer()
    first = specs[0].voxel_size or FALLBACK_VOXEL_SIZE
    with viewer.txn() as state:
        state.dimensions = neuroglancer.CoordinateSpace(
            names=["z", "y", "x"], units="nm", scales=list(first)
        )
        for spec in specs:
            source = local_volume(spec)
            if spec.kind == "segmentation":
                layer: Any = neuroglancer.SegmentationLayer(source=source)
            elif spec.kind == "prediction":
                layer = neuroglancer.ImageLayer(
                    source=source, shader=prediction_shader(spec.channels), opacity=0.5
                )
            else:
                layer = neuroglancer.ImageLayer(source=source)
            state.layers.append(name=spec.name, layer=layer)
        state.layout = "4panel"
        state.display_dimensions = ["x", "y", "z"]
        shape = specs[0].data.shape[-3:]
        state.position = [n / 2 for n in shape]
        # zoomed so the first volume's largest section fills a panel of about PANEL_PIXELS
        state.cross_section_scale = max(shape[1:]) / PANEL_PIXELS
        state.projection_scale = max(shape) * 2.0
    return viewer


def save_screenshot(
    viewer: Any, path: str | Path, size: tuple[int, int] = (1024, 768), timeout: float = 120.0
) -> Path:
    """Render the viewer once in headless Chromium (all visible chunks loaded) to a PNG."""
    from connectomics.data.view.browser import headless_chromium

    path = Path(path)
    with viewer.config_state.txn() as config:
        config.show_ui_controls = False
        config.show_panel_borders = False
        config.viewer_size = list(size)
    done = threading.Event()
    reply: list[Any] = []

    def keep(result: Any) -> None:
        reply.append(result)
        done.set()

    with headless_chromium(viewer.get_viewer_url(), size):
        viewer.async_screenshot(keep)
        if not done.wait(timeout):
            raise DataError(
                f"headless Chromium gave no screenshot within {timeout:.0f} s "
                "(does it start here? try running it by hand)"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(reply[0].screenshot.image)
    return path
