"""`AUGMENTATION_REGISTRY`: config name -> factory(cfg_section, keys, spatial_dims) -> transform.

`keys` is (image, label, mask): the first key is the image, the others are label-like (moved
with nearest interpolation, never changed in intensity). A factory returns None when the
augmentation does not apply to `spatial_dims` (e.g. section misalignment on 2D samples).

The built-in augmentations have their sections in the config schema. One registered from
outside the package declares its section's defaults (`enabled: false` and `prob: 0.5` unless
given); `data.augmentation.<name>` then loads from YAML or dot-list overrides like a built-in
section and is checked against those defaults (`check_custom_augmentations`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connectomics.config.checks.registry_checks import (
    register_config_check,
    register_open_section,
)
from connectomics.config.errors import ConfigError
from connectomics.config.registries import AUGMENTATIONS
from connectomics.config.schema import AugmentationConfig, Config
from connectomics.config.suggest import did_you_mean

AugmentationFactory = Callable[[Mapping[str, Any], Sequence[str], int], Any]

AUGMENTATION_REGISTRY = AUGMENTATIONS  # section name -> factory
# name -> section defaults of augmentations that have no section in the schema
CUSTOM_SECTIONS: dict[str, dict[str, Any]] = {}
SCHEMA_SECTIONS = frozenset(AugmentationConfig.model_fields)


def register_augmentation(
    name: str, defaults: Mapping[str, Any] | None = None
) -> Callable[[AugmentationFactory], AugmentationFactory]:
    """Decorator: register an augmentation factory under its data.augmentation section name.

    `defaults` are the keys (and default values) of the section of an augmentation registered
    from outside the package; the built-in ones take theirs from the schema.
    """
    if name == "enabled":
        raise ValueError("'enabled' switches all augmentations; choose another name")
    if name in SCHEMA_SECTIONS and defaults is not None:
        raise ValueError(f"augmentation {name!r} has its section in the schema; drop defaults")
    if name not in SCHEMA_SECTIONS:
        CUSTOM_SECTIONS[name] = {"enabled": False, "prob": 0.5, **dict(defaults or {})}

    def decorator(factory: AugmentationFactory) -> AugmentationFactory:
        AUGMENTATIONS.register(name, factory)
        return factory

    return decorator


def section_factory(
    transform: Callable[..., Any], section_type: type, dims: tuple[int, ...] = (2, 3)
) -> Any:
    """The factory of a transform that takes its typed section's fields as keywords:
    `transform(keys, **section without enabled)`, None for samples outside `dims`."""

    def factory(section: Any, keys: Sequence[str], spatial_dims: int) -> Any:
        if spatial_dims not in dims:
            return None
        return transform(keys, **section.model_dump(exclude={"enabled"}))

    factory.__doc__ = transform.__doc__
    factory.__annotations__["section"] = section_type
    return factory


def list_augmentations() -> list[str]:
    """Names of all registered augmentations, sorted."""
    return AUGMENTATIONS.names()


def _fits(value: Any, default: Any) -> bool:
    """Whether `value` has the type of `default` (ints pass for floats; None default: any)."""
    if default is None or value is None:
        return True
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, list | tuple):
        return isinstance(value, list | tuple)
    return isinstance(value, type(default))


def check_custom_augmentations(cfg: Config) -> None:
    """Every data.augmentation section of a custom augmentation has only its declared keys,
    values of their types and a probability in [0, 1]."""
    section = cfg.data.augmentation.model_dump()
    for name, defaults in CUSTOM_SECTIONS.items():
        values = section.get(name) if isinstance(section, Mapping) else None
        if values is None:
            continue
        key = f"data.augmentation.{name}"
        if not isinstance(values, Mapping):
            raise ConfigError(f"{key}: must be a mapping, e.g. {{enabled: true}}; got {values!r}")
        for field, value in values.items():
            if field not in defaults:
                raise ConfigError(
                    f"{key}.{field}: unknown key; {did_you_mean(str(field), defaults)}"
                    f"valid keys: {', '.join(defaults)}"
                )
            if not _fits(value, defaults[field]):
                raise ConfigError(
                    f"{key}.{field}: {value!r} is not a {type(defaults[field]).__name__}; "
                    f"give e.g. {defaults[field]!r}"
                )
        prob = values.get("prob", defaults["prob"])
        if not 0.0 <= float(prob) <= 1.0:
            raise ConfigError(f"{key}.prob: {prob} is out of range; set it between 0 and 1")


register_open_section("data.augmentation", lambda: CUSTOM_SECTIONS)
register_config_check(check_custom_augmentations)
