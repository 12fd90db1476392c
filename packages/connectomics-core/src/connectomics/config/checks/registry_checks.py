"""Rules that layers holding a registry hand to config validation when they are imported.

`connectomics.config` sits below `connectomics.models`, so `connectomics.models` registers its
patch-multiple rule here on import; config validation imports it first through the model
registry (config/checks/names.py), whatever the caller imported. Without connectomics-core's
models the patch multiple falls back to the product of model.strides.

A layer whose registry adds entries to a config section (connectomics-data's augmentations
registered from outside the package add `data.augmentation.<name>`) registers that section as
open with `register_open_section`: loading then accepts those entries, starting from their
defaults, and the same layer registers the check of their values (`register_config_check`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

# A check receives the typed Config (Any here: the schema, above this module, runs the checks).
ConfigCheck = Callable[[Any], None]
PatchMultiple = Callable[[Any], Sequence[int]]
OpenEntries = Callable[[], Mapping[str, Mapping[str, Any]]]

_CHECKS: list[ConfigCheck] = []
_PATCH_MULTIPLE: list[PatchMultiple] = []
_OPEN_SECTIONS: dict[str, OpenEntries] = {}


def register_config_check(check: ConfigCheck) -> ConfigCheck:
    """Have `validate_config` run `check(cfg)` (which raises ConfigError); returns `check`."""
    if check not in _CHECKS:
        _CHECKS.append(check)
    return check


def run_registered_checks(cfg: Any) -> None:
    """Run every registered check on `cfg`, in registration order."""
    for check in list(_CHECKS):
        check(cfg)


def register_patch_multiple(rule: PatchMultiple) -> PatchMultiple:
    """Make `rule(cfg)` the per-axis multiple every patch and window axis must have."""
    _PATCH_MULTIPLE[:] = [rule]
    return rule


def registered_patch_multiple() -> PatchMultiple | None:
    """The registered patch-multiple rule, or None when the model layer is not imported."""
    return _PATCH_MULTIPLE[0] if _PATCH_MULTIPLE else None


def register_open_section(path: str, entries: OpenEntries) -> None:
    """Let the section at dotted `path` hold, beside its schema keys, the entries that
    `entries()` returns (entry name -> its default values) at load time."""
    _OPEN_SECTIONS[path] = entries


def open_section_entries() -> dict[str, dict[str, dict[str, Any]]]:
    """Dotted section path -> entry name -> default values, for every open section now
    (the augmentation registry, whose plugins add sections, is filled first)."""
    from connectomics.config.registries import AUGMENTATIONS

    AUGMENTATIONS.load()
    return {
        path: {name: dict(values) for name, values in entries().items()}
        for path, entries in _OPEN_SECTIONS.items()
    }
