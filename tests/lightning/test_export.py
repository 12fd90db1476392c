"""Export to TorchScript, ONNX and the BioImage Model Zoo reproduces the network on real EM."""

from __future__ import annotations

import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from pytorch_lightning import seed_everything

from connectomics.cli.main import main
from connectomics.config import to_yaml
from connectomics.lightning import (
    CheckpointError,
    ConnectomicsDataModule,
    ConnectomicsModule,
    create_trainer,
)
from connectomics.lightning.export import (
    export_bioimageio,
    export_onnx,
    export_torchscript,
    from_bioimageio,
    load_export_source,
)
from connectomics.lightning.export.source import normalized
from tests.config_edit import set_key

TOLERANCE = 1e-4


@pytest.fixture
def checkpoint(tiny_cfg, tmp_path):
    """A checkpoint of a tiny network trained one short epoch (its BatchNorm stats are real)."""
    set_key(tiny_cfg, "checkpoint.dirpath", str(tmp_path / "ckpt"))
    set_key(tiny_cfg, "inference.chunk_size", [16, 48, 64])  # `predict` streams chunks
    seed_everything(0)
    module = ConnectomicsModule(tiny_cfg)
    trainer = create_trainer(tiny_cfg, logger=False)
    trainer.fit(module, datamodule=ConnectomicsDataModule(tiny_cfg))
    return tmp_path / "ckpt" / "last.ckpt"


@pytest.fixture
def em_crop(medulla_train):
    """A real FIB-SEM crop larger than the export window (exports keep dynamic sizes)."""
    with h5py.File(medulla_train) as f:
        return f["raw"][:16, :48, :64]


def _reference(checkpoint, raw: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    source = load_export_source(checkpoint)
    x = torch.from_numpy(normalized(raw, source.cfg))[None, None]
    with torch.no_grad():
        return x, source.network(x)


def test_torchscript_and_onnx_reproduce_pytorch_on_real_em(checkpoint, em_crop, tmp_path):
    import onnxruntime

    x, expected = _reference(checkpoint, em_crop)
    assert expected.abs().max() > 0.1  # a real output, not all zeros

    scripted = torch.jit.load(str(export_torchscript(checkpoint, tmp_path / "m.pt")))
    with torch.no_grad():
        assert (scripted(x) - expected).abs().max().item() <= TOLERANCE

    session = onnxruntime.InferenceSession(
        str(export_onnx(checkpoint, tmp_path / "m.onnx")), providers=["CPUExecutionProvider"]
    )
    (out,) = session.run(None, {"raw": x.numpy()})
    assert np.abs(out - expected.numpy()).max() <= TOLERANCE


def test_bioimageio_package_validates_and_round_trips(checkpoint, em_crop, tmp_path):
    from bioimageio.spec import load_description

    package = export_bioimageio(
        checkpoint, tmp_path / "model.zip", test_image=em_crop, authors=["A. Tester"]
    )
    descr = load_description(str(package), perform_io_checks=True)
    assert type(descr).__name__ == "ModelDescr", descr.validation_summary
    (inp,), (out,) = descr.inputs, descr.outputs
    assert [str(a.id) for a in inp.axes] == ["batch", "channel", "z", "y", "x"]
    assert [p.id for p in inp.preprocessing] == ["ensure_dtype", "scale_linear", "ensure_dtype"]
    assert inp.preprocessing[1].kwargs.gain == pytest.approx(1 / 255)
    assert [p.id for p in out.postprocessing][:1] == ["sigmoid"]
    assert [a.size.min for a in inp.axes[2:]] == [8, 16, 16]  # the inference window
    assert [a.halo for a in out.axes[2:]] == [2, 4, 4]  # half the 0.5 overlap
    assert {"pytorch_state_dict", "torchscript", "onnx"} <= {
        k for k, v in descr.weights if v is not None
    }
    with zipfile.ZipFile(package) as archive:
        assert {"cover.png", "test_input.npy", "connectomics_config.yaml"} <= set(
            archive.namelist()
        )
        test_input = np.load(archive.open("test_input.npy"))
    np.testing.assert_array_equal(test_input[0, 0], em_crop[:8, :16, :16])  # real EM

    module = from_bioimageio(package)
    x, expected = _reference(checkpoint, em_crop)
    with torch.no_grad():
        assert (module.model(x) - expected).abs().max().item() <= TOLERANCE

    # without the config attachment the architecture's kwargs in rdf.yaml rebuild it
    bare, foreign = tmp_path / "bare.zip", tmp_path / "foreign.zip"
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(bare, "w") as a:
        with zipfile.ZipFile(foreign, "w") as b:
            for item in src.namelist():
                data = src.read(item)
                if item != "connectomics_config.yaml":
                    a.writestr(item, data)
                if item == "rdf.yaml":
                    data = data.replace(b"callable: ExportedNetwork", b"callable: UNet2d")
                b.writestr(item, data)
    with torch.no_grad():
        assert (from_bioimageio(bare).model(x) - expected).abs().max().item() <= TOLERANCE
    with pytest.raises(CheckpointError, match="UNet2d"):
        from_bioimageio(foreign)


def test_bioimageio_preprocessing_carries_the_training_statistics(tiny_cfg, em_crop, tmp_path):
    from bioimageio.spec import load_description

    set_key(tiny_cfg, "data.normalize", "zscore")
    set_key(tiny_cfg, "data.normalize_stats", {"mean": 117.5, "std": 31.25})
    module = ConnectomicsModule(tiny_cfg)
    package = export_bioimageio(module, tmp_path / "model.zip", test_image=em_crop)
    (inp,) = load_description(str(package), perform_io_checks=True).inputs
    fixed = inp.preprocessing[1]
    assert fixed.id == "fixed_zero_mean_unit_variance"
    assert (fixed.kwargs.mean, fixed.kwargs.std) == (117.5, 31.25)
    # the package's test input is normalised with those statistics, as training did
    expected = (em_crop[:8, :16, :16].astype(np.float32) - 117.5) / 31.25
    np.testing.assert_allclose(normalized(em_crop, module.cfg)[:8, :16, :16], expected, rtol=1e-6)


@pytest.mark.slow
def test_bioimageio_core_runs_the_package(checkpoint, em_crop, tmp_path):
    from bioimageio.core import test_model

    package = export_bioimageio(checkpoint, tmp_path / "model.zip", test_image=em_crop)
    summary = test_model(str(package))
    failed = [d.name for d in summary.details if d.status != "passed"]
    assert summary.status == "passed", failed


def test_cli_export_and_predict_from_package(checkpoint, em_crop, tmp_path, capsys):
    output = tmp_path / "m.onnx"
    args = ["export", "--checkpoint", str(checkpoint), "--format", "onnx", "--output", str(output)]
    assert main(args) == 0 and output.stat().st_size > 0
    assert main(args) == 2  # exists, no --overwrite
    assert "--overwrite" in capsys.readouterr().err
    missing = ["export", "--checkpoint", str(tmp_path / "no.ckpt"), "--format", "onnx"]
    assert main([*missing, "--output", str(tmp_path / "x.onnx")]) == 2

    volume = tmp_path / "em.h5"
    with h5py.File(volume, "w") as f:
        f["raw"] = em_crop
    package = tmp_path / "model.zip"
    export = ["export", "--checkpoint", str(checkpoint), "--format", "bioimageio"]
    assert main([*export, "--output", str(package), "--test-input", str(volume)]) == 0

    cfg = load_export_source(checkpoint).cfg
    config = tmp_path / "cfg.yaml"
    config.write_text(to_yaml(cfg))
    from_zip, from_ckpt = tmp_path / "zip.zarr", tmp_path / "ckpt.zarr"
    for ckpt, out in ((package, from_zip), (checkpoint, from_ckpt)):
        predict = ["predict", "--config", str(config), "--checkpoint", str(ckpt)]
        assert main([*predict, "--input", str(volume), "--output", str(out)]) == 0
    # without --config the package's own config is used
    plain = tmp_path / "plain.zarr"
    predict = ["predict", "--checkpoint", str(package), "--input", str(volume)]
    assert main([*predict, "--output", str(plain)]) == 0
    from connectomics.data.io import open_volume

    c = np.asarray(open_volume(f"{plain}:prediction")[:])
    assert np.abs(c - np.asarray(open_volume(f"{from_ckpt}:prediction")[:])).max() <= TOLERANCE

    a, b = (
        np.asarray(open_volume(f"{from_zip}:prediction")[:]),
        np.asarray(open_volume(f"{from_ckpt}:prediction")[:]),
    )
    assert a.shape[1:] == em_crop.shape and np.abs(a - b).max() <= TOLERANCE


def test_activations_inside_an_exported_network_survive_onnx(tmp_path):
    import onnxruntime

    from connectomics.config import load_config
    from connectomics.data.inference.activation import ActivationPlan
    from connectomics.lightning.export import ExportedNetwork
    from connectomics.lightning.export.architecture import architecture_kwargs
    from connectomics.lightning.export.onnx import write_onnx

    overrides = ["model.filters=[4,8]", "data.patch_size=[8,16,16]", "model.out_channels=3"]
    overrides.append("data.targets=[{name: binary_contour_distance}]")  # sigmoid x2, tanh
    lucchi = Path(__file__).resolve().parents[2] / "tutorials" / "lucchi.yaml"
    cfg = load_config(str(lucchi), overrides=overrides)
    torch.manual_seed(0)
    names = ["sigmoid", "sigmoid", "tanh"]
    network = ExportedNetwork(architecture_kwargs(cfg), activation=names)
    x = torch.randn(1, 1, 8, 16, 16) * 3
    with torch.no_grad():
        expected = ActivationPlan.build(names, 3).apply_(network.network(x))
    session = onnxruntime.InferenceSession(
        str(write_onnx(network, x, tmp_path / "a.onnx")), providers=["CPUExecutionProvider"]
    )
    (out,) = session.run(None, {"raw": x.numpy()})
    assert out[:, 2].min() < -0.1  # tanh channel, not a sigmoid
    assert np.abs(out - expected.numpy()).max() <= TOLERANCE


def test_checkpoint_config_text_round_trips_the_typed_config(tmp_path):
    from connectomics.config import load_config
    from connectomics.lightning.config_io import config_from_checkpoint, config_to_checkpoint

    cfg = load_config("snemi", overrides=["data.normalize_stats={mean: 0.5, std: 0.25}"])
    text = config_to_checkpoint(cfg)
    assert config_from_checkpoint(text, tmp_path / "x.ckpt") == cfg
    assert config_to_checkpoint(config_from_checkpoint(text, tmp_path / "x.ckpt")) == text
