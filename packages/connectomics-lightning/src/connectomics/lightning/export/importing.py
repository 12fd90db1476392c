"""`from_bioimageio`: a ConnectomicsModule from a bioimage.io package of a known architecture."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from connectomics.config.yaml_text import parse_yaml, parse_yaml_mapping
from connectomics.lightning.checkpoint_io import safe_torch_load
from connectomics.lightning.errors import CheckpointError
from connectomics.lightning.export.bioimageio import CONFIG_ATTACHMENT

if TYPE_CHECKING:
    from connectomics.lightning.config_io import ConfigLike
    from connectomics.lightning.module import ConnectomicsModule

ARCHITECTURE = ("connectomics.lightning.export.architecture", "ExportedNetwork")


def from_bioimageio(path: str | Path, cfg: ConfigLike | None = None) -> ConnectomicsModule:
    """Rebuild the module of a bioimage.io package (.zip) whose architecture is ours.

    The network is rebuilt from `cfg`, else the package's connectomics config (an attachment
    that also carries the inference settings), else the architecture keyword arguments of its
    PyTorch state-dict weights; those weights are read with weights_only.
    """
    from connectomics.lightning.config_io import ensure_config
    from connectomics.lightning.module import ConnectomicsModule

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"bioimage.io package not found: {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "rdf.yaml" not in names:
                raise CheckpointError(f"{path} holds no rdf.yaml: not a bioimage.io package")
            weights = _state_dict_entry(
                parse_yaml(archive.read("rdf.yaml").decode(), f"rdf.yaml in {path}"), path
            )
            if cfg is None:
                cfg = (
                    parse_yaml_mapping(
                        archive.read(CONFIG_ATTACHMENT).decode(), f"the config in {path}"
                    )
                    if CONFIG_ATTACHMENT in names
                    else dict(weights["architecture"]["kwargs"]["config"])
                )
            with archive.open(str(weights["source"])) as f:
                state = safe_torch_load(f)
    except zipfile.BadZipFile as exc:
        raise CheckpointError(f"{path} is not a zip file (a bioimage.io package)") from exc
    except KeyError as exc:
        raise CheckpointError(f"{path} lacks {exc} that its rdf.yaml names") from exc
    config = ensure_config(cfg)
    module = ConnectomicsModule(config)
    network = {k[len("network.") :]: v for k, v in state.items() if k.startswith("network.")}
    try:
        module.model.load_state_dict(network)
    except RuntimeError as exc:
        raise CheckpointError(
            f"{path} does not fit model {config.model.architecture}: {str(exc).splitlines()[0]}"
        ) from exc
    return module.eval()


def read_package_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """The network's state dict from a package's pytorch_state_dict weights (weights_only)."""
    path = Path(path)
    with zipfile.ZipFile(path) as archive:
        weights = _state_dict_entry(
            parse_yaml(archive.read("rdf.yaml").decode(), f"rdf.yaml in {path}"), path
        )
        with archive.open(str(weights["source"])) as f:
            state = safe_torch_load(f)
    return {k[len("network.") :]: v for k, v in state.items() if k.startswith("network.")}


def _state_dict_entry(rdf: Any, path: Path) -> Any:
    """The rdf's pytorch_state_dict weights, or CheckpointError unless their architecture is ours."""
    entry = (rdf.get("weights") or {}).get("pytorch_state_dict")
    architecture = (entry or {}).get("architecture") or {}
    found = (architecture.get("import_from"), architecture.get("callable"))
    if entry is None or found != ARCHITECTURE:
        raise CheckpointError(
            f"{path}: only packages whose pytorch_state_dict architecture is "
            f"{'.'.join(ARCHITECTURE)} (exported by connectomics) load; this one has "
            f"{'.'.join(str(f) for f in found) if entry is not None else 'no pytorch_state_dict weights'}"
        )
    return entry
