"""The oneDNN and ONNX Runtime inference backends: same prediction as the eager network on real EM."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import torch

from connectomics.config import load_config
from connectomics.config.errors import ConfigError
from connectomics.data.inference import InferenceOptions, predict_volume
from connectomics.data.inference import fast_model as fast_model_module
from connectomics.data.inference.fast_model import OneDnnModel, OnnxRuntimeModel, chosen_backend
from connectomics.data.inference.options import resolve_options
from connectomics.models import build_model

# Largest difference allowed between ONNX Runtime and the eager forward, on sigmoid
# probabilities of a blended prediction (float32 reassociation of folded BatchNorm; 1e-6 seen).
TOLERANCE = 1e-4


def trained_like_net():
    """A small rsunet (BatchNorm) with non-trivial running statistics, as after training."""
    cfg = load_config(
        "neurons_cpu",
        overrides=["model.architecture=rsunet", "model.filters=[4,8,16]"],
    )
    torch.manual_seed(0)
    net = build_model(cfg)
    generator = torch.Generator().manual_seed(1)
    for module in net.modules():
        if isinstance(module, torch.nn.BatchNorm3d):
            n = module.num_features
            module.running_mean.copy_(torch.rand(n, generator=generator) - 0.5)
            module.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
            module.weight.data.copy_(torch.rand(n, generator=generator) + 0.5)
            module.bias.data.copy_(torch.rand(n, generator=generator) - 0.5)
    return cfg, net.eval()


@pytest.fixture
def em_crop(isbi_membranes) -> np.ndarray:
    """Real ssTEM (ISBI 2012), scaled to [0, 1]: 12 x 96 x 80 voxels."""
    with h5py.File(isbi_membranes, "r") as f:
        return f["raw"][:, :96, :80].astype(np.float32) / 255.0


def test_onnxruntime_matches_the_eager_forward_on_real_em(em_crop):
    _, net = trained_like_net()
    options = dict(window_size=(8, 32, 32), overlap=0.5, batch_size=3, activation="sigmoid")
    eager = predict_volume(net, em_crop, backend="torch", **options)
    fast = predict_volume(net, em_crop, backend="onnxruntime", **options)
    assert eager.shape == (6, 12, 96, 80)
    assert float(eager.std()) > 0.01  # a prediction that varies, not a constant
    assert np.abs(fast - eager).max() <= TOLERANCE
    # the network itself, window by window: logits agree to float32 rounding
    batch = torch.from_numpy(em_crop[None, None, :8, :32, :32].copy())
    with torch.inference_mode():
        reference = net(batch)
    logits = OnnxRuntimeModel(net, batch)(batch)
    assert torch.allclose(logits, reference, atol=1e-4, rtol=1e-4)


def test_onednn_matches_the_eager_forward_on_real_em(em_crop):
    _, net = trained_like_net()
    options = dict(window_size=(8, 32, 32), overlap=0.5, batch_size=3, activation="sigmoid")
    eager = predict_volume(net, em_crop, backend="torch", **options)
    fast = predict_volume(net, em_crop, backend="onednn", **options)
    assert float(eager.std()) > 0.01
    assert np.abs(fast - eager).max() <= TOLERANCE
    batch = torch.from_numpy(em_crop[None, None, :8, :32, :32].copy())
    with torch.inference_mode():
        reference = net(batch)
    onednn = OneDnnModel(net)
    # every BatchNorm is folded away, the network itself keeps its own
    assert not any(isinstance(m, torch.nn.BatchNorm3d) for m in onednn.network.modules())
    assert any(isinstance(m, torch.nn.BatchNorm3d) for m in net.modules())
    logits = onednn(batch)
    assert logits.is_contiguous()
    assert torch.allclose(logits, reference, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize(
    ("vendor", "capability", "expected"),
    [
        ("GenuineIntel", "AVX512", "onednn"),
        ("GenuineIntel", "AVX2", "onnxruntime"),
        ("AuthenticAMD", "AVX512", "onnxruntime"),
    ],
)
def test_auto_picks_the_backend_measured_fastest_on_the_cpu(
    monkeypatch, vendor, capability, expected
):
    cfg, net = trained_like_net()
    monkeypatch.setattr("connectomics.config.precision.cpu_vendor", lambda: vendor)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
    auto = InferenceOptions.from_config(cfg)
    assert chosen_backend(net, auto, torch.device("cpu")) == expected
    # without ONNX Runtime installed, our networks still run folded in oneDNN
    monkeypatch.setattr(fast_model_module, "_onnxruntime_available", lambda: False)
    assert chosen_backend(net, auto, torch.device("cpu")) == "onednn"


def test_auto_keeps_other_models_devices_and_precisions_in_torch():
    cfg, net = trained_like_net()
    cpu = torch.device("cpu")
    auto = InferenceOptions.from_config(cfg)
    assert auto.backend == "auto" and not auto.amp
    assert chosen_backend(net, auto, cpu) in ("onednn", "onnxruntime")
    # a foreign module, 16-bit autocast or a GPU stay in PyTorch
    assert chosen_backend(torch.nn.Conv3d(1, 1, 1), auto, cpu) == "torch"
    amp = resolve_options(window_size=(8, 32, 32), amp=True)
    assert chosen_backend(net, amp, cpu) == "torch"
    assert chosen_backend(net, auto, torch.device("cuda")) == "torch"
    torch_only = resolve_options(window_size=(8, 32, 32), backend="torch")
    assert chosen_backend(net, torch_only, cpu) == "torch"


def test_onnxruntime_refuses_what_it_cannot_run():
    _, net = trained_like_net()
    amp = resolve_options(window_size=(8, 32, 32), amp=True, backend="onnxruntime")
    with pytest.raises(ConfigError, match="inference.backend=onnxruntime runs .* float32"):
        chosen_backend(net, amp, torch.device("cpu"))
    with pytest.raises(ConfigError, match="inference.backend=onednn runs .* float32"):
        chosen_backend(
            net, resolve_options(window_size=(8, 32, 32), backend="onednn"), torch.device("cuda")
        )
    with pytest.raises(ConfigError, match="inference.backend: unknown value 'fast'"):
        resolve_options(window_size=(8, 32, 32), backend="fast")


def test_the_backend_is_a_checked_config_key():
    cfg = load_config("neurons_cpu", overrides=["inference.backend=torch"])
    assert InferenceOptions.from_config(cfg).backend == "torch"
    with pytest.raises(ConfigError, match="inference.backend"):
        load_config("neurons_cpu", overrides=["inference.backend=onnx"])
