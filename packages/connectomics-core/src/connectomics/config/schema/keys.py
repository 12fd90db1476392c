"""The schema seen as dotted keys: every valid key, and the error for an unknown one."""

from __future__ import annotations

from functools import cache

from connectomics.config.checks.registry_checks import open_section_entries
from connectomics.config.errors import ConfigError
from connectomics.config.schema.types import field_annotation, list_item, section_of
from connectomics.config.suggest import suggest_key

# Keys that were renamed: old dotted key -> (new key, what changed).
RENAMED_KEYS = {
    "data.iterations_per_epoch": (
        "data.steps_per_epoch",
        "it counts optimizer steps per epoch (each takes data.batch_size x "
        "training.accumulate_grad_batches crops), not crops",
    ),
}


@cache
def config_keys() -> tuple[str, ...]:
    """Every dotted key the schema declares (sections too; list items as `data.targets.name`)."""
    from connectomics.config.schema import Config

    keys: list[str] = []

    def walk(cls: type, prefix: str) -> None:
        for name in cls.model_fields:
            key = f"{prefix}{name}"
            keys.append(key)
            annotation = field_annotation(cls, name)
            child = section_of(annotation) or section_of(list_item(annotation))
            if child is not None:
                walk(child, key + ".")

    walk(Config, "")
    return tuple(keys)


def unknown_key_error(key: str, source: str | None) -> ConfigError:
    """ConfigError for an undeclared key, with the closest valid key or the valid siblings."""
    where = f"{source}: " if source else ""
    if key in RENAMED_KEYS:
        new, change = RENAMED_KEYS[key]
        return ConfigError(f"{where}{key} was renamed to {new}; {change}")
    registered = tuple(f"{path}.{n}" for path, e in open_section_entries().items() for n in e)
    suggestion = suggest_key(key, config_keys() + registered)
    if suggestion is not None:
        hint = f"did you mean {suggestion}?"
    else:
        parent = ".".join(p for p in key.rpartition(".")[0].split(".") if p and not p.isdigit())
        siblings = [k.rpartition(".")[2] for k in config_keys() if k.rpartition(".")[0] == parent]
        if siblings:
            hint = f"valid keys of {parent or 'the top level'}: {', '.join(siblings)}"
        else:
            hint = "see `connectomics config show` for the valid keys"
    return ConfigError(f"{where}unknown key {key}; {hint}")


def registered_entry(section: type, name: str) -> bool:
    """Whether `name` is an entry a registry added to `section` (a class whose
    `open_section` names its dotted path); its values are checked by that registry's layer."""
    path = getattr(section, "open_section", None)
    return path is not None and name in open_section_entries().get(path, {})
