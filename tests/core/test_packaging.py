"""The four distributions share the namespace and expose their versions."""

import importlib
import importlib.metadata as md
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

MODULES = {
    "connectomics-core": [
        "connectomics.config",
        "connectomics.models",
        "connectomics.losses",
        "connectomics.metrics",
    ],
    "connectomics-data": ["connectomics.data"],
    "connectomics-lightning": ["connectomics.lightning"],
    "connectomics-cli": ["connectomics.cli"],
}


@pytest.mark.parametrize("dist", sorted(MODULES))
def test_version_exposed(dist):
    for name in MODULES[dist]:
        mod = importlib.import_module(name)
        assert mod.__version__ == md.version(dist)


def test_namespace_has_no_init():
    assert not list((REPO / "packages").glob("*/src/connectomics/__init__.py"))
    import connectomics

    assert len(list(connectomics.__path__)) >= 4  # one portion per distribution


def test_dependencies_sit_in_lowest_layer():
    req = {
        d: {
            r.split(";")[0].split("[")[0].split(">")[0].split("=")[0].strip().lower()
            for r in (md.requires(d) or [])
            if "extra ==" not in r
        }
        for d in MODULES
    }
    assert "pytorch-lightning" not in req["connectomics-data"]
    assert "tensorboard" not in req["connectomics-data"]
    assert "h5py" not in req["connectomics-core"]
    assert {"torch", "monai", "omegaconf", "numpy"} <= req["connectomics-core"]
    wandb_extra = [r for r in md.requires("connectomics-lightning") if "wandb" in r]
    assert wandb_extra and all("extra ==" in r for r in wandb_extra)
