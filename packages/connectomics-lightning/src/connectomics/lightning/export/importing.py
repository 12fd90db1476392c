"""`from_bioimageio`: a ConnectomicsModule from a package exported by `export_bioimageio`."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import torch
from omegaconf import OmegaConf

from connectomics.lightning.errors import CheckpointError
from connectomics.lightning.export.bioimageio import CONFIG_ATTACHMENT


def from_bioimageio(path: str | Path, cfg: Any | None = None) -> Any:
    """Rebuild the module of a bioimage.io package (.zip) whose architecture is ours.

    The package's connectomics config (an attachment) rebuilds the network unless `cfg` is
    given; the PyTorch state-dict weights are read with weights_only.
    """
    from connectomics.lightning.config_io import ensure_config
    from connectomics.lightning.module import ConnectomicsModule

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"bioimage.io package not found: {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if CONFIG_ATTACHMENT not in names or "weights.pt" not in names:
                raise CheckpointError(
                    f"{path} is not a connectomics bioimage.io package (no {CONFIG_ATTACHMENT} "
                    "or weights.pt); only packages of architectures this package knows load"
                )
            text = archive.read(CONFIG_ATTACHMENT).decode()
            with archive.open("weights.pt") as f:
                state = torch.load(f, map_location="cpu", weights_only=True)
    except zipfile.BadZipFile as exc:
        raise CheckpointError(f"{path} is not a zip file (a bioimage.io package)") from exc
    config = ensure_config(cfg if cfg is not None else OmegaConf.create(text))
    module = ConnectomicsModule(config)
    network = {k[len("network.") :]: v for k, v in state.items() if k.startswith("network.")}
    try:
        module.model.load_state_dict(network)
    except RuntimeError as exc:
        raise CheckpointError(
            f"{path} does not fit model {config.model.architecture}: {str(exc).splitlines()[0]}"
        ) from exc
    return module.eval()
