"""`data.augmentation` section: joint image/label/mask augmentations."""

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import ConfigDict, Field, model_validator

from connectomics.config.checks.registry_checks import open_section_entries
from connectomics.config.errors import ConfigError
from connectomics.config.schema.keys import unknown_key_error
from connectomics.config.schema.section import Probability, Section
from connectomics.config.suggest import closest

SECTION = "data.augmentation"


class Augment(Section):
    """One augmentation: whether it runs, and its probability per sample."""

    enabled: bool = False
    prob: Probability = 0.2


class FlipConfig(Augment):
    """Random flips along every axis (in-plane only when z is coarser)."""

    enabled: bool = True
    prob: Probability = 0.5


class Rotate90Config(Augment):
    """Random 90-degree rotations in the y-x plane (and out of plane for isotropic data)."""

    enabled: bool = True
    prob: Probability = 0.5
    # Added: rotate in the (y, x) plane only. null: decide from data.patch_size (all planes
    # only for a cubic 3D patch). Skipped when the y and x patch sizes differ.
    in_plane_only: bool | None = None


class ElasticConfig(Augment):
    """Smooth random deformation; labels are resampled with nearest neighbour."""

    prob: Probability = 0.3
    sigma_range: list[float] = Field(default_factory=lambda: [5.0, 8.0])
    magnitude_range: list[float] = Field(default_factory=lambda: [50.0, 150.0])
    # Added: 2D samples use MONAI's grid-based Rand2DElastic (control-point spacing in
    # pixels, displacement magnitude in grid units).
    grid_spacing: int = 16
    grid_magnitude_range: list[float] = Field(default_factory=lambda: [1.0, 2.0])


class GammaConfig(Augment):
    """Random gamma correction of the image."""

    enabled: bool = True
    prob: Probability = 0.3
    gamma_range: list[float] = Field(default_factory=lambda: [0.7, 1.5])


class ContrastBrightnessConfig(Augment):
    """Random contrast scaling and brightness shift of the image."""

    enabled: bool = True
    prob: Probability = 0.3
    contrast_range: list[float] = Field(default_factory=lambda: [0.75, 1.25])
    brightness_range: list[float] = Field(default_factory=lambda: [-0.1, 0.1])


class NoiseConfig(Augment):
    """Additive Gaussian noise on the image."""

    enabled: bool = True
    std: float = 0.05


class BlurConfig(Augment):
    """Gaussian blur of the image."""

    sigma_range: list[float] = Field(default_factory=lambda: [0.5, 1.5])


class HistogramWarpConfig(Augment):
    """Random monotone piecewise-linear intensity curve of the image (acquisition contrast)."""

    prob: Probability = 0.3
    # Added: the curve's number of control points, drawn from [low, high] each time.
    num_control_points: list[int] = Field(default_factory=lambda: [5, 10])


class ScaleConfig(Augment):
    """Isotropic zoom of image, label and mask about the centre, patch size kept."""

    prob: Probability = 0.3
    # Added: the zoom factor, drawn from [low, high] (below 1 shrinks objects, above 1 grows).
    zoom_range: list[float] = Field(default_factory=lambda: [0.8, 1.25])


class MisalignmentConfig(Augment):
    """Section misalignment: one slipped section or a translation of all sections after one."""

    max_displacement: int = 8
    slip_ratio: Probability = 0.5


class MissingSectionConfig(Augment):
    """Whole sections replaced by empty (lost) sections."""

    num_sections: int = 2
    # Added: value (normalised intensity) of a lost section, and the std of its faint noise.
    fill_value: float = 0.0
    noise_std: float = 0.01


class MissingPartsConfig(Augment):
    """Holes: random regions of a section blanked out."""

    max_size_ratio: Probability = 0.3
    # Added: value the hole is filled with.
    fill_value: float = 0.0


class MotionBlurConfig(Augment):
    """Per-section directional motion blur."""

    sections: int = 2
    kernel_size: int = 11


class CutNoiseConfig(Augment):
    """Noise added to a random cuboid of the image."""

    length_ratio: Probability = 0.25
    scale: float = 0.2


class CutBlurConfig(Augment):
    """A random cuboid of the image down- then up-sampled (resolution loss)."""

    length_ratio: Probability = 0.25
    down_ratio_range: list[float] = Field(default_factory=lambda: [2.0, 8.0])


class AugmentationConfig(Section):
    """All augmentations; `enabled: false` here switches every one of them off.

    Augmentations registered from outside the package (with section defaults) are kept as
    extra mappings, starting from their defaults; the layer that registered them checks them.
    """

    model_config = ConfigDict(extra="allow")
    open_section: ClassVar[str] = SECTION

    enabled: bool = True
    flip: FlipConfig = Field(default_factory=FlipConfig)
    rotate90: Rotate90Config = Field(default_factory=Rotate90Config)
    elastic: ElasticConfig = Field(default_factory=ElasticConfig)
    gamma: GammaConfig = Field(default_factory=GammaConfig)
    contrast_brightness: ContrastBrightnessConfig = Field(default_factory=ContrastBrightnessConfig)
    noise: NoiseConfig = Field(default_factory=NoiseConfig)
    blur: BlurConfig = Field(default_factory=BlurConfig)
    misalignment: MisalignmentConfig = Field(default_factory=MisalignmentConfig)
    missing_section: MissingSectionConfig = Field(default_factory=MissingSectionConfig)
    missing_parts: MissingPartsConfig = Field(default_factory=MissingPartsConfig)
    motion_blur: MotionBlurConfig = Field(default_factory=MotionBlurConfig)
    cut_noise: CutNoiseConfig = Field(default_factory=CutNoiseConfig)
    cut_blur: CutBlurConfig = Field(default_factory=CutBlurConfig)
    histogram_warp: HistogramWarpConfig = Field(default_factory=HistogramWarpConfig)
    scale: ScaleConfig = Field(default_factory=ScaleConfig)

    @model_validator(mode="before")
    @classmethod
    def _registered_entries(cls, data: Any) -> Any:
        """Refuse keys neither declared nor registered; fill registered entries' defaults."""
        if not isinstance(data, Mapping):
            return data
        entries = open_section_entries().get(SECTION, {})
        known = [*cls.model_fields, *entries]
        for name in data:
            if name not in known:
                guess = closest(str(name), known)
                if guess is None:
                    raise unknown_key_error(f"{SECTION}.{name}", None)
                raise ConfigError(f"unknown key {SECTION}.{name}; did you mean {SECTION}.{guess}?")
        merged = dict(data)
        for name, defaults in entries.items():
            given = merged.get(name)
            merged[name] = (
                {**defaults, **given}
                if isinstance(given, Mapping)
                else (defaults if given is None else given)
            )
        return merged
