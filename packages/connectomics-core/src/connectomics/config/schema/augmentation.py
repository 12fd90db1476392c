"""`data.augmentation` section: joint image/label/mask augmentations."""

from dataclasses import dataclass, field


@dataclass
class FlipConfig:
    """Random flips along every axis (in-plane only when z is coarser)."""

    enabled: bool = True
    prob: float = 0.5


@dataclass
class Rotate90Config:
    """Random 90-degree rotations in the y-x plane (and out of plane for isotropic data)."""

    enabled: bool = True
    prob: float = 0.5
    # Added: rotate in the (y, x) plane only. null: decide from data.patch_size (all planes
    # only for a cubic 3D patch). Skipped when the y and x patch sizes differ.
    in_plane_only: bool | None = None


@dataclass
class ElasticConfig:
    """Smooth random deformation; labels are resampled with nearest neighbour."""

    enabled: bool = False
    prob: float = 0.3
    sigma_range: list[float] = field(default_factory=lambda: [5.0, 8.0])
    magnitude_range: list[float] = field(default_factory=lambda: [50.0, 150.0])
    # Added: 2D samples use MONAI's grid-based Rand2DElastic (control-point spacing in
    # pixels, displacement magnitude in grid units).
    grid_spacing: int = 16
    grid_magnitude_range: list[float] = field(default_factory=lambda: [1.0, 2.0])


@dataclass
class GammaConfig:
    """Random gamma correction of the image."""

    enabled: bool = True
    prob: float = 0.3
    gamma_range: list[float] = field(default_factory=lambda: [0.7, 1.5])


@dataclass
class ContrastBrightnessConfig:
    """Random contrast scaling and brightness shift of the image."""

    enabled: bool = True
    prob: float = 0.3
    contrast_range: list[float] = field(default_factory=lambda: [0.75, 1.25])
    brightness_range: list[float] = field(default_factory=lambda: [-0.1, 0.1])


@dataclass
class NoiseConfig:
    """Additive Gaussian noise on the image."""

    enabled: bool = True
    prob: float = 0.2
    std: float = 0.05


@dataclass
class BlurConfig:
    """Gaussian blur of the image."""

    enabled: bool = False
    prob: float = 0.2
    sigma_range: list[float] = field(default_factory=lambda: [0.5, 1.5])


@dataclass
class MisalignmentConfig:
    """Section misalignment: one slipped section or a translation of all sections after one."""

    enabled: bool = False
    prob: float = 0.2
    max_displacement: int = 8
    slip_ratio: float = 0.5


@dataclass
class MissingSectionConfig:
    """Whole sections replaced by empty (lost) sections."""

    enabled: bool = False
    prob: float = 0.2
    num_sections: int = 2
    # Added: value (normalised intensity) of a lost section, and the std of its faint noise.
    fill_value: float = 0.0
    noise_std: float = 0.01


@dataclass
class MissingPartsConfig:
    """Holes: random regions of a section blanked out."""

    enabled: bool = False
    prob: float = 0.2
    max_size_ratio: float = 0.3
    # Added: value the hole is filled with.
    fill_value: float = 0.0


@dataclass
class MotionBlurConfig:
    """Per-section directional motion blur."""

    enabled: bool = False
    prob: float = 0.2
    sections: int = 2
    kernel_size: int = 11


@dataclass
class CutNoiseConfig:
    """Noise added to a random cuboid of the image."""

    enabled: bool = False
    prob: float = 0.2
    length_ratio: float = 0.25
    scale: float = 0.2


@dataclass
class CutBlurConfig:
    """A random cuboid of the image down- then up-sampled (resolution loss)."""

    enabled: bool = False
    prob: float = 0.2
    length_ratio: float = 0.25
    down_ratio_range: list[float] = field(default_factory=lambda: [2.0, 8.0])


@dataclass
class AugmentationConfig:
    """All augmentations; `enabled: false` here switches every one of them off."""

    enabled: bool = True
    flip: FlipConfig = field(default_factory=FlipConfig)
    rotate90: Rotate90Config = field(default_factory=Rotate90Config)
    elastic: ElasticConfig = field(default_factory=ElasticConfig)
    gamma: GammaConfig = field(default_factory=GammaConfig)
    contrast_brightness: ContrastBrightnessConfig = field(default_factory=ContrastBrightnessConfig)
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    blur: BlurConfig = field(default_factory=BlurConfig)
    misalignment: MisalignmentConfig = field(default_factory=MisalignmentConfig)
    missing_section: MissingSectionConfig = field(default_factory=MissingSectionConfig)
    missing_parts: MissingPartsConfig = field(default_factory=MissingPartsConfig)
    motion_blur: MotionBlurConfig = field(default_factory=MotionBlurConfig)
    cut_noise: CutNoiseConfig = field(default_factory=CutNoiseConfig)
    cut_blur: CutBlurConfig = field(default_factory=CutBlurConfig)
