"""Sliding-window engine: blending, padding, test-time augmentation, activations, dtypes."""

from __future__ import annotations

from dataclasses import replace

import h5py
import numpy as np
import pytest
import torch
import zarr

from connectomics.data.inference import InferenceOptions, predict_volume
from connectomics.data.inference.tta import build_tta_transforms
from connectomics.data.inference.window_grid import WindowGrid, axis_starts
from connectomics.data.io.padded_read import read_padded


class Identity(torch.nn.Module):
    """Output = input: any blending must reproduce the input exactly."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.clone()


def asymmetric_conv(cout: int = 2, ndim: int = 3, seed: int = 0) -> torch.nn.Module:
    """A conv with a random (so orientation-sensitive) kernel."""
    torch.manual_seed(seed)
    conv = torch.nn.Conv3d if ndim == 3 else torch.nn.Conv2d
    return conv(1, cout, 3, padding=1)


def flip_equivariant_conv() -> torch.nn.Module:
    """A conv whose kernel is symmetric under every flip and the y-x transpose."""
    conv = asymmetric_conv(cout=2)
    with torch.no_grad():
        k = conv.weight
        for dims in ([2], [3], [4]):
            k = k + torch.flip(k, dims)
        k = k + k.transpose(-1, -2)
        conv.weight.copy_(k / 16)
    return conv


@pytest.fixture
def volume() -> np.ndarray:
    return np.random.default_rng(0).random((11, 18, 21), dtype=np.float32)


@pytest.mark.parametrize("mode", ["reflect", "constant", "replicate"])
@pytest.mark.parametrize("window", [(6, 8, 8), (16, 24, 24)])  # overlapping grid / one window
def test_identity_model_is_reproduced_exactly(volume, mode, window):
    for blending in ("gaussian", "constant"):
        out = predict_volume(
            Identity(),
            volume,
            window_size=window,
            overlap=0.5,
            blending=blending,
            padding_mode=mode,
            border_padding=2,
        )
        assert out.shape == (1, *volume.shape) and out.dtype == np.float32
        np.testing.assert_allclose(out[0], volume, rtol=1e-5, atol=1e-6)


def test_identity_with_full_tta_inverts_every_branch(volume):
    augs = build_tta_transforms(3, (8, 8, 8), flip=True, transpose=True)
    assert len(augs) == 16 and len(set(augs)) == 16
    x = torch.rand(2, 1, 8, 8, 8)
    for aug in augs:
        assert torch.equal(aug.invert(aug.apply(x)), x)
    out = predict_volume(
        Identity(), volume, window_size=(8, 8, 8), tta_flip=True, tta_transpose=True
    )
    np.testing.assert_allclose(out[0], volume, rtol=1e-5, atol=1e-6)


def test_tta_of_equivariant_model_equals_no_tta(volume):
    model = flip_equivariant_conv()
    plain = predict_volume(model, volume, window_size=(8, 8, 8), activation="sigmoid")
    tta = predict_volume(
        model,
        volume,
        window_size=(8, 8, 8),
        activation="sigmoid",
        tta_flip=True,
        tta_transpose=True,
    )
    np.testing.assert_allclose(tta, plain, atol=1e-5)


def test_tta_is_the_mean_of_inverted_branches_for_asymmetric_model():
    model = asymmetric_conv()
    image = np.random.default_rng(1).random((8, 8, 8), dtype=np.float32)
    x = torch.from_numpy(image)[None, None]
    with torch.no_grad():
        branches = [
            torch.sigmoid(aug.invert(model(aug.apply(x))))
            for aug in build_tta_transforms(3, (8, 8, 8), flip=True, transpose=True)
        ]
        plain_ref = torch.sigmoid(model(x))[0].numpy()
    expected = torch.stack(branches).mean(0)[0].numpy()
    kwargs = dict(window_size=(8, 8, 8), activation="sigmoid")
    tta = predict_volume(model, image, tta_flip=True, tta_transpose=True, **kwargs)
    plain = predict_volume(model, image, **kwargs)
    np.testing.assert_allclose(tta, expected, atol=1e-6)
    np.testing.assert_allclose(plain, plain_ref, atol=1e-6)
    assert np.abs(tta - plain).max() > 1e-3  # the augmentations really changed something


def test_chunked_in_memory_equals_whole(volume):
    kwargs = dict(
        window_size=(6, 8, 8), overlap=(0.5, 0.25, 0.5), activation="sigmoid", tta_flip=True
    )
    whole = predict_volume(asymmetric_conv(), volume, **kwargs)
    chunked = predict_volume(asymmetric_conv(), volume, chunk_size=(4, 7, 5), **kwargs)
    np.testing.assert_allclose(chunked, whole, rtol=1e-6, atol=1e-7)


def test_per_channel_activation_channel_selection_and_dtypes():
    model = asymmetric_conv(cout=4)
    image = np.random.default_rng(2).random((8, 8, 8), dtype=np.float32)
    with torch.no_grad():
        logits = model(torch.from_numpy(image)[None, None])[0]
    names = ["sigmoid", "softmax", "softmax", "tanh"]
    out = predict_volume(model, image, window_size=(8, 8, 8), activation=names)
    np.testing.assert_allclose(out[0], torch.sigmoid(logits[0]).numpy(), atol=1e-6)
    np.testing.assert_allclose(out[1:3], torch.softmax(logits[1:3], 0).numpy(), atol=1e-6)
    np.testing.assert_allclose(out[3], torch.tanh(logits[3]).numpy(), atol=1e-6)

    picked = predict_volume(
        model, image, window_size=(8, 8, 8), activation=names, output_channels=[3, 1]
    )
    np.testing.assert_allclose(picked, out[[3, 1]], atol=1e-6)

    as_uint8 = predict_volume(
        model, image, window_size=(8, 8, 8), activation=names, output_dtype="uint8"
    )
    assert as_uint8.dtype == np.uint8
    np.testing.assert_array_equal(as_uint8[:3], np.round(out[:3] * 255).astype(np.uint8))
    np.testing.assert_array_equal(as_uint8[3], np.round((out[3] + 1) / 2 * 255).astype(np.uint8))

    half = predict_volume(
        model, image, window_size=(8, 8, 8), activation=names, output_dtype="float16"
    )
    assert half.dtype == np.float16
    np.testing.assert_allclose(half, out, atol=1e-3)


def test_lazy_h5_zarr_memmap_inputs_and_deep_supervision_list(tmp_path, volume):
    model = asymmetric_conv()
    kwargs = dict(window_size=(6, 8, 8), activation="sigmoid", batch_size=3)
    expected = predict_volume(model, volume, **kwargs)
    with h5py.File(tmp_path / "in.h5", "w") as f:
        f["raw"] = volume
    z = zarr.create_array(
        str(tmp_path / "in.zarr"), shape=volume.shape, dtype="f4", chunks=(4, 8, 8)
    )
    z[:] = volume
    np.save(tmp_path / "in.npy", volume)
    with h5py.File(tmp_path / "in.h5", "r") as f:
        np.testing.assert_allclose(predict_volume(model, f["raw"], **kwargs), expected)
    np.testing.assert_allclose(predict_volume(model, z, **kwargs), expected)
    memmap = np.load(tmp_path / "in.npy", mmap_mode="r")
    np.testing.assert_allclose(predict_volume(model, memmap, **kwargs), expected)

    def deep_supervision(x):
        return [model(x), model(x)[..., ::2, ::2, ::2]]

    np.testing.assert_allclose(predict_volume(deep_supervision, volume, **kwargs), expected)


def test_channel_first_input_and_2d():
    model2d = asymmetric_conv(ndim=2)
    image = np.random.default_rng(3).random((20, 17), dtype=np.float32)
    out = predict_volume(
        model2d, image, window_size=(8, 8), tta_flip=True, tta_transpose=True, activation="none"
    )
    assert out.shape == (2, 20, 17)
    chunked = predict_volume(
        model2d,
        image[None],
        window_size=(8, 8),
        tta_flip=True,
        tta_transpose=True,
        chunk_size=(7, 9),
    )
    np.testing.assert_allclose(chunked, out, atol=1e-6)


def test_scale_normalization_of_uint8_input(volume):
    raw = np.round(volume * 255).astype(np.uint8)
    out = predict_volume(Identity(), raw, window_size=(6, 8, 8), normalize="scale")
    np.testing.assert_allclose(out[0], raw / 255.0, atol=1e-6)


def test_amp_on_cpu_is_close_to_fp32(volume):
    model = asymmetric_conv()
    fp32 = predict_volume(model, volume, window_size=(6, 8, 8), activation="sigmoid")
    amp = predict_volume(model, volume, window_size=(6, 8, 8), activation="sigmoid", amp=True)
    np.testing.assert_allclose(amp, fp32, atol=2e-2)


@pytest.mark.parametrize(
    "mode,np_mode", [("reflect", "reflect"), ("replicate", "edge"), ("constant", "constant")]
)
def test_padded_read_matches_numpy_pad(mode, np_mode):
    vol = np.arange(4 * 5 * 3, dtype=np.float32).reshape(4, 5, 3)
    pad = 6
    padded = np.pad(vol, pad, mode=np_mode)
    box = ((-3, 5), (-6, 8), (1, 9))
    got = read_padded(vol, box, mode, channel_axis=False)
    ref = padded[tuple(slice(a + pad, b + pad) for a, b in box)]
    np.testing.assert_array_equal(got[0], ref)


def test_window_grid_is_global_and_covers_the_volume():
    assert axis_starts(20, 8, 0.5) == [0, 4, 8, 12]
    assert axis_starts(5, 8, 0.5) == [-1]  # centred, padded on both sides
    grid = WindowGrid.build((20, 20, 20), (8, 8, 8), (0.5,) * 3, (0,) * 3)
    touching = grid.windows_touching(((5, 9), (0, 4), (18, 20)))
    assert {w[0] for w in touching} == {0, 4, 8} and {w[2] for w in touching} == {12}


def test_user_errors_are_clear(volume):
    with pytest.raises(ValueError, match="window_size is missing"):
        predict_volume(Identity(), volume)
    with pytest.raises(ValueError, match="inference.padding_mode: unknown value 'mirror'"):
        predict_volume(Identity(), volume, window_size=(4, 4, 4), padding_mode="mirror")
    with pytest.raises(ValueError, match="unknown inference option"):
        predict_volume(Identity(), volume, window_size=(4, 4, 4), windw=3)
    with pytest.raises(ValueError, match="inference.overlap"):  # the schema's range
        predict_volume(Identity(), volume, window_size=(4, 4, 4), overlap=1.0)
    with pytest.raises(ValueError, match="not both"):
        options = InferenceOptions.from_keywords(window_size=(4, 4, 4))
        predict_volume(Identity(), volume, options=options, overlap=0.25)
    with pytest.raises(ValueError, match="input has shape"):
        predict_volume(Identity(), volume[None, None], window_size=(4, 4, 4))
    with pytest.raises(ValueError, match="same size"):
        predict_volume(lambda x: x[..., :2], volume, window_size=(4, 4, 4))
    with pytest.raises(ValueError, match="activation lists 2 channels"):
        predict_volume(Identity(), volume, window_size=(4, 4, 4), activation=["sigmoid"] * 2)
    with pytest.raises(ValueError, match="output_channels"):
        predict_volume(Identity(), volume, window_size=(4, 4, 4), output_channels=[1])
    with pytest.raises(ValueError, match="tta_transpose needs"):
        predict_volume(Identity(), volume, window_size=(4, 4, 6), tta_transpose=True)


def test_options_from_config_fill_window_and_activations():
    from connectomics.config.schema import Config, TargetConfig

    cfg = Config()
    cfg.data.patch_size = [8, 16, 16]
    cfg.data.targets = [
        TargetConfig(name="binary"),
        TargetConfig(name="semantic", kwargs={"num_classes": 3}),
        TargetConfig(name="semantic", kwargs={"num_classes": 2}),
    ]
    cfg.inference.output_dtype = "uint8"
    opts = InferenceOptions.from_config(cfg)
    assert opts.window_size == (8, 16, 16)
    assert opts.output_dtype == "uint8" and opts.device == "cpu" and opts.amp is False
    acts = opts.activation
    assert len(acts) == 6 and acts[0] == "sigmoid"
    assert all(a.startswith("softmax") for a in acts[1:])
    assert len(set(acts[1:4])) == 1 and acts[3] != acts[4]  # two separate softmax groups

    model = asymmetric_conv(cout=6)
    image = np.random.default_rng(4).random((8, 16, 16), dtype=np.float32)
    out = predict_volume(model, image, options=replace(opts, output_dtype="float32"))
    np.testing.assert_allclose(out[1:4].sum(0), 1.0, atol=1e-5)
    np.testing.assert_allclose(out[4:6].sum(0), 1.0, atol=1e-5)


def test_model_returning_its_input_is_not_corrupted_by_in_place_activation(volume):
    out = predict_volume(
        lambda x: x, volume, window_size=(6, 8, 8), tta_flip=True, activation="sigmoid"
    )
    np.testing.assert_allclose(out[0], 1 / (1 + np.exp(-volume)), rtol=1e-5)


def test_zscore_uses_whole_volume_statistics_in_every_chunk(volume):
    raw = (volume * 50 + 100).astype(np.float32)
    whole = predict_volume(Identity(), raw, window_size=(6, 8, 8), normalize="zscore")
    chunked = predict_volume(
        Identity(), raw, window_size=(6, 8, 8), normalize="zscore", chunk_size=(4, 5, 6)
    )
    np.testing.assert_allclose(whole[0], (raw - raw.mean()) / raw.std(), atol=1e-4)
    np.testing.assert_allclose(chunked, whole, atol=1e-6)


class BatchRecorder(Identity):
    """Identity that records the batch size of every forward."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.batches.append(int(x.shape[0]))
        return super().forward(x)


def test_batches_are_filled_across_grid_rows_and_chunks_keep_the_result():
    # 3 windows along x per row: batches of 2 used to stop at each row (2 + 1 per row)
    image = np.random.default_rng(1).random((8, 12, 20), dtype=np.float32)
    grid = WindowGrid.build(image.shape, (4, 6, 8), (0.0, 0.0, 0.25), (0, 0, 0))
    assert [len(s) for s in grid.starts] == [2, 2, 3]
    model = BatchRecorder()
    options = dict(window_size=(4, 6, 8), overlap=(0.0, 0.0, 0.25), batch_size=2)
    whole = predict_volume(model, image, **options)
    assert model.batches == [2] * 6  # 12 windows in 6 full batches, not 8 batches
    np.testing.assert_allclose(whole[0], image, atol=1e-6)
    assert grid.windows_at([grid.flat_index((4, 0, 12))]) == [(4, 0, 12)]
    chunked = predict_volume(BatchRecorder(), image, chunk_size=(4, 6, 10), **options)
    np.testing.assert_array_equal(chunked, whole)


def test_chunked_prediction_of_an_empty_volume_is_refused():
    from connectomics.config.errors import ConfigError

    image = np.zeros((0, 32, 32), np.float32)
    with pytest.raises(ConfigError, match=r"shape \[0, 32, 32\] is empty"):
        predict_volume(torch.nn.Conv3d(1, 1, 1), image, (8, 16, 16), window_size=(8, 16, 16))
