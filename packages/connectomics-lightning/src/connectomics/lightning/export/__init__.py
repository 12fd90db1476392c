"""Export a trained network to TorchScript, ONNX or a BioImage Model Zoo package, and import back.

TorchScript needs only torch; ONNX and BioImage Model Zoo need the optional extra
``pip install "connectomics-lightning[export]"``.
"""

from connectomics.lightning.export.architecture import ExportedNetwork
from connectomics.lightning.export.bioimageio import export_bioimageio
from connectomics.lightning.export.importing import from_bioimageio
from connectomics.lightning.export.onnx import export_onnx
from connectomics.lightning.export.source import ExportSource, load_export_source
from connectomics.lightning.export.torchscript import export_torchscript

__all__ = [
    "ExportSource",
    "ExportedNetwork",
    "export_bioimageio",
    "export_onnx",
    "export_torchscript",
    "from_bioimageio",
    "load_export_source",
]
