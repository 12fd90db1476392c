"""Local neuroglancer viewing of our volumes (`connectomics view`)."""

from connectomics.data.view.layers import LayerSpec, layer_specs
from connectomics.data.view.viewer import open_viewer, save_screenshot

__all__ = ["LayerSpec", "layer_specs", "open_viewer", "save_screenshot"]
