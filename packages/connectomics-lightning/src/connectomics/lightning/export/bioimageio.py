"""BioImage Model Zoo export: a model package (RDF format 0.5) that bioimageio tools can run.

Weights go in three formats (PyTorch state dict with this package's architecture, TorchScript,
ONNX); the input normalisation and output activation are written as the spec's pre- and
post-processing, the tile size and halo come from the inference config, and a test input
(a crop of a real volume when one is given) with its expected output lets tools verify it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

from connectomics.config.schema import Config
from connectomics.data.datasets.scale_range import block_scale_range
from connectomics.lightning.export.architecture import ExportedNetwork, architecture_kwargs
from connectomics.lightning.export.onnx import OPSET, require, write_onnx
from connectomics.lightning.export.source import ExportSource, load_export_source, normalized
from connectomics.lightning.export.torchscript import save_torchscript, trace
from connectomics.models import patch_multiple

CONFIG_ATTACHMENT = "connectomics_config.yaml"
CITATION = {
    "text": "Lin Z. et al. PyTorch Connectomics: a scalable and flexible segmentation "
    "framework for EM connectomics. arXiv:2112.05754 (2021)",
    "doi": "10.48550/arXiv.2112.05754",
}


def export_bioimageio(
    model: Any,
    output: str | Path,
    *,
    name: str | None = None,
    description: str | None = None,
    authors: list[str] | None = None,
    license: str = "CC-BY-4.0",
    test_image: np.ndarray | None = None,
    cite: list[dict[str, str]] | None = None,
    tags: list[str] | None = None,
) -> Path:
    """Write a BioImage Model Zoo package (.zip) of a checkpoint or module; returns its path.

    `test_image` is a raw crop (spatial axes only, any size up to a window is padded by
    reflection) used as the package's test input; without one a random image is used.
    """
    require("bioimageio.spec")
    from bioimageio.spec import save_bioimageio_package

    source = load_export_source(model)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        descr = _describe(
            source, Path(tmp), name, description, authors, license, test_image, cite, tags
        )
        save_bioimageio_package(descr, output_path=output)
    check_package(output)
    return output


def check_package(path: str | Path) -> Any:
    """The validated description of a package; ValueError with the validation summary if invalid."""
    require("bioimageio.spec")
    from bioimageio.spec import InvalidDescr, load_description

    descr = load_description(str(path), perform_io_checks=True)
    if isinstance(descr, InvalidDescr):
        summary = descr.validation_summary
        errors = "; ".join(f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in summary.errors)
        raise ValueError(f"{path} is not a valid bioimage.io model package: {errors}")
    return descr


def _axes_names(cfg: Config) -> list[str]:
    return ["z", "y", "x"][-int(cfg.model.spatial_dims) :]


def _test_input(source: ExportSource, image: np.ndarray | None) -> np.ndarray:
    """A (1, C, *window) test input in the raw dtype."""
    window = source.window()
    channels = int(source.cfg.model.in_channels)
    if image is None:
        rng = np.random.default_rng(0)
        image = rng.integers(0, 256, size=(channels, *window), dtype=np.uint8)
    image = np.asarray(image)
    if image.ndim == len(window):
        image = image[None]
    crop = image[(slice(None), *(slice(0, w) for w in window))]
    pad = [(0, 0)] + [(0, w - s) for w, s in zip(window, crop.shape[1:])]
    return np.ascontiguousarray(np.pad(crop, pad, mode="reflect")[None])


def _preprocessing(source: ExportSource, raw: np.ndarray, axes: list[str]) -> list[Any]:
    """data.normalize as the spec's preprocessing of raw inputs like `raw` (its dtype, and
    its values for the scale range of wide integers and floats)."""
    from bioimageio.spec.model import v0_5 as spec

    steps: list[Any] = []
    cfg = source.cfg
    mode = str(cfg.data.normalize)
    stats = source.normalize_stats or cfg.data.normalize_stats
    if mode == "percentile" and stats is None:
        raise ValueError(
            "data.normalize: percentile needs data.normalize_stats (the checkpoint of a trained "
            "run carries them) to be written as bioimage.io preprocessing"
        )
    scale = block_scale_range(np.asarray(raw)) if mode == "scale" else (0.0, 1.0)
    if mode == "scale" and scale != (0.0, 1.0):
        low, high = scale
        gain = 1.0 / (high - low)
        steps.append(
            spec.ScaleLinearDescr(kwargs=spec.ScaleLinearKwargs(gain=gain, offset=-low * gain))
        )
    elif mode == "zscore" and stats is not None:  # the training set's mean and std
        steps.append(
            spec.FixedZeroMeanUnitVarianceDescr(
                kwargs=spec.FixedZeroMeanUnitVarianceKwargs(
                    mean=float(stats.mean), std=max(float(stats.std), 1e-8)
                )
            )
        )
    elif mode == "zscore":
        steps.append(
            spec.ZeroMeanUnitVarianceDescr(
                kwargs=spec.ZeroMeanUnitVarianceKwargs(axes=[spec.AxisId(a) for a in axes])
            )
        )
    elif mode == "percentile":  # clip to the training set's percentiles, map them to [0, 1]
        low, high = float(stats.low), float(stats.high)
        gain = 1.0 / (high - low if high > low else 1.0)
        steps.append(spec.ClipDescr(kwargs=spec.ClipKwargs(min=low, max=high)))
        steps.append(
            spec.ScaleLinearDescr(kwargs=spec.ScaleLinearKwargs(gain=gain, offset=-low * gain))
        )
    # the network takes float32 (the spec would otherwise cast back to the input's dtype)
    steps.append(spec.EnsureDtypeDescr(kwargs=spec.EnsureDtypeKwargs(dtype="float32")))
    return steps


def _halo(source: ExportSource) -> list[int]:
    """Per-axis halo: half the sliding-window overlap of inference.overlap."""
    overlap = source.cfg.inference.overlap
    window = source.window()
    overlaps = [float(overlap)] * len(window) if isinstance(overlap, int | float) else list(overlap)
    return [int(w * o) // 2 for w, o in zip(window, overlaps)]


def _cover(raw: np.ndarray, out: np.ndarray, path: Path) -> Path:
    """A PNG of the middle section: raw beside the first output channel (Pillow; no plotting)."""
    from PIL import Image

    def section(a: np.ndarray) -> np.ndarray:
        a = a[a.shape[0] // 2] if a.ndim == 3 else a
        a = a.astype(np.float32)
        span = float(a.max() - a.min()) or 1.0
        return ((a - a.min()) / span * 255).astype(np.uint8)

    left, right = section(raw[0, 0]), section(out[0, 0])
    image = np.concatenate([left, np.full((left.shape[0], 4), 255, np.uint8), right], axis=1)
    scale = max(1, 256 // image.shape[0])
    Image.fromarray(image).resize((image.shape[1] * scale, image.shape[0] * scale)).save(path)
    return path


def _describe(
    source: ExportSource,
    tmp: Path,
    name: str | None,
    description: str | None,
    authors: list[str] | None,
    license: str,
    test_image: np.ndarray | None,
    cite: list[dict[str, str]] | None,
    tags: list[str] | None,
) -> Any:
    from bioimageio.spec.model import v0_5 as spec

    cfg = source.cfg
    axes = _axes_names(cfg)
    activations = source.activations()
    sigmoid_only = all(a == "sigmoid" for a in activations)
    kwargs = {
        "config": architecture_kwargs(cfg),
        "activation": None if sigmoid_only else activations,
    }
    network = ExportedNetwork(**kwargs)
    network.network.load_state_dict(source.network.state_dict())
    network.eval()

    raw = _test_input(source, test_image)
    x = torch.from_numpy(normalized(raw, cfg, source.normalize_stats))
    with torch.no_grad():
        y = network(x)
        if sigmoid_only:
            y = torch.sigmoid(y)
    result = y.numpy().astype(np.float32)
    np.save(tmp / "test_input.npy", raw)
    np.save(tmp / "test_output.npy", result)
    torch.save(network.state_dict(), tmp / "weights.pt")
    save_torchscript(trace(network, x), tmp / "weights.torchscript")
    write_onnx(network, x, tmp / "weights.onnx")
    _cover(raw, result, tmp / "cover.png")
    config = cfg.model_dump(mode="json")
    for key in [k for k in config["data"] if k.split("_")[0] in ("train", "val", "test")]:
        if key.endswith(("_image", "_label", "_mask")):
            config["data"][key] = None  # local paths mean nothing elsewhere
    config["model"]["init_from"] = None
    (tmp / CONFIG_ATTACHMENT).write_text(yaml.safe_dump(config, sort_keys=False))
    title = name or str(cfg.experiment_name)
    about = description or (
        f"{cfg.model.architecture} network trained with connectomics for "
        f"{', '.join(t.name for t in cfg.data.targets)} targets of EM volumes."
    )
    (tmp / "README.md").write_text(
        f"# {title}\n\n{about}\n\nInput: raw EM intensities ({raw.dtype}), axes "
        f"b, c, {', '.join(axes)}; normalised as `data.normalize: {cfg.data.normalize}`.\n"
        f"Output: {result.shape[1]} channel(s) ({', '.join(activations)}).\n\n"
        f"Load it back with `connectomics.lightning.export.from_bioimageio(path)` or predict "
        f"with `connectomics predict --checkpoint {title}.zip --input VOLUME`.\n"
    )

    window = source.window()
    multiple = _patch_multiple(cfg)
    in_id = spec.TensorId("raw")
    inputs = [
        spec.InputTensorDescr(
            id=in_id,
            axes=[
                spec.BatchAxis(),
                spec.ChannelAxis(
                    channel_names=[spec.Identifier(f"raw{i}") for i in range(raw.shape[1])]
                ),
                *(
                    spec.SpaceInputAxis(
                        id=spec.AxisId(a), size=spec.ParameterizedSize(min=w, step=m)
                    )
                    for a, w, m in zip(axes, window, multiple)
                ),
            ],
            test_tensor=spec.FileDescr(source=tmp / "test_input.npy"),
            data=spec.IntervalOrRatioDataDescr(type=str(raw.dtype)),
            preprocessing=_preprocessing(source, raw, axes),
        )
    ]
    outputs = [
        spec.OutputTensorDescr(
            id=spec.TensorId("prediction"),
            axes=[
                spec.BatchAxis(),
                spec.ChannelAxis(
                    channel_names=[spec.Identifier(f"channel{i}") for i in range(result.shape[1])]
                ),
                *(
                    spec.SpaceOutputAxisWithHalo(
                        id=spec.AxisId(a),
                        size=spec.SizeReference(tensor_id=in_id, axis_id=spec.AxisId(a)),
                        halo=h,
                    )
                    for a, h in zip(axes, _halo(source))
                ),
            ],
            test_tensor=spec.FileDescr(source=tmp / "test_output.npy"),
            postprocessing=[spec.SigmoidDescr()] if sigmoid_only else [],
        )
    ]
    version = spec.Version(torch.__version__.split("+")[0])
    weights = spec.WeightsDescr(
        pytorch_state_dict=spec.PytorchStateDictWeightsDescr(
            source=tmp / "weights.pt",
            architecture=spec.ArchitectureFromLibraryDescr(
                callable=spec.Identifier("ExportedNetwork"),
                import_from="connectomics.lightning.export.architecture",
                kwargs=kwargs,
            ),
            pytorch_version=version,
        ),
        torchscript=spec.TorchscriptWeightsDescr(
            source=tmp / "weights.torchscript", pytorch_version=version, parent="pytorch_state_dict"
        ),
        onnx=spec.OnnxWeightsDescr(
            source=tmp / "weights.onnx", opset_version=OPSET, parent="pytorch_state_dict"
        ),
    )
    return spec.ModelDescr(
        name=title,
        description=about,
        authors=[spec.Author(name=a) for a in (authors or ["connectomics user"])],
        cite=[spec.CiteEntry(**c) for c in (cite or [CITATION])],
        license=spec.LicenseId(license),
        documentation=spec.FileDescr(source=tmp / "README.md"),
        covers=[spec.FileDescr(source=tmp / "cover.png")],
        attachments=[spec.FileDescr(source=tmp / CONFIG_ATTACHMENT)],
        tags=tags or ["electron-microscopy", "segmentation", "3d", "connectomics", "pytorch"],
        inputs=inputs,
        outputs=outputs,
        weights=weights,
    )


def _patch_multiple(cfg: Config) -> list[int]:
    return [int(m) for m in patch_multiple(cfg)]
