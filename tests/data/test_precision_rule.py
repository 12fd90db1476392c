"""The precision rule for training and prediction: BFloat16 on a CPU only where it is native."""

from __future__ import annotations

import pytest

from connectomics.config import load_config
from connectomics.config import precision as rule
from connectomics.data.inference import InferenceOptions


@pytest.fixture(params=[True, False], ids=["native-bf16", "no-bf16"])
def native(request, monkeypatch) -> bool:
    monkeypatch.setattr(rule, "cpu_has_native_bf16", lambda: request.param)
    return request.param


def test_16_mixed_on_a_cpu(native):
    choice = rule.choose_precision("16-mixed", "cpu")
    assert choice.precision == ("bf16-mixed" if native else "32-true")
    assert "needs a GPU" in choice.reason
    assert ("native bfloat16" if native else "no native bfloat16") in choice.reason


def test_explicit_bf16_is_kept_and_its_cost_said_where_emulated(native):
    choice = rule.choose_precision("bf16-mixed", "cpu")
    assert choice.precision == "bf16-mixed"
    assert ("emulated" in choice.reason) is not native
    assert (rule.EMULATED_BF16_COST in choice.reason) is not native


def test_a_gpu_keeps_the_configured_precision(native):
    assert rule.choose_precision("16-mixed", "gpu").precision == "16-mixed"
    assert rule.choose_precision("16-true", "cpu").precision == "32-true"
    assert rule.choose_precision("32", "cpu").precision == "32"


@pytest.mark.parametrize("tutorial", ["lucchi", "snemi"])
def test_the_16_mixed_tutorials_predict_in_bf16_only_where_it_is_native(tutorial, native):
    cfg = load_config(tutorial)
    assert cfg.training.precision == "16-mixed"
    options = InferenceOptions.from_config(cfg)
    if options.device == "cpu":
        assert options.amp is native


def test_the_capability_comes_from_torch():
    import torch

    assert rule.cpu_has_native_bf16() is bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
