"""`Registry`: the one registry type (models, losses, targets, augmentations, decoders, metrics).

A registry maps names to entries. It fills itself on first use: it imports the modules that
register its built-ins (named by module string, so a registry in core may name modules of a
higher layer without importing that layer) and then loads the plugins of its entry-point group
(`importlib.metadata.entry_points(group="connectomics.models")`, ...). A plugin's entry point
names a module, whose import registers its entries, or a function, called once with no
arguments. So a name is known whatever the caller imported.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, MutableMapping
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from connectomics.config.errors import ConfigError
from connectomics.config.suggest import did_you_mean

T = TypeVar("T")


class Registry(MutableMapping[str, T], Generic[T]):
    """Name -> entry of one kind, filled lazily from built-in modules and entry points."""

    def __init__(self, kind: str, key: str, builtins: tuple[str, ...], group: str) -> None:
        self.kind = kind  # "model", "loss", ... (for messages)
        self.key = key  # the config key that names an entry, e.g. "model.architecture"
        self.builtins = builtins
        self.group = group
        self._entries: dict[str, T] = {}
        self._state = "empty"  # "empty" -> "loading" -> "loaded"
        self.missing: list[str] = []  # built-in modules that are not installed
        self._lock = threading.RLock()  # other threads wait; the loading thread re-enters

    def load(self) -> Registry[T]:
        """Import the built-in modules and entry-point plugins once; returns self."""
        if self._state == "loaded":
            return self
        with self._lock:
            if self._state == "empty":
                self._fill()
        return self

    def _fill(self) -> None:
        """Import the built-ins, then load the plugins (lookups while importing see the
        entries registered so far)."""
        self._state = "loading"
        try:
            for module in self.builtins:
                try:
                    importlib.import_module(module)
                except ModuleNotFoundError as exc:
                    if exc.name is None or not module.startswith(exc.name):
                        raise  # the module exists but one of its imports is missing
                    self.missing.append(module)
            for point in entry_points(group=self.group):
                try:
                    loaded = point.load()
                    if callable(loaded) and not isinstance(loaded, type):
                        loaded()
                except Exception as exc:  # a broken third-party plugin: one clear line
                    raise ConfigError(
                        f"the {self.group} plugin {point.name!r} ({point.value}) failed to "
                        f"load: {type(exc).__name__}: {exc}; fix or uninstall it"
                    ) from exc
        finally:
            self._state = "loaded"

    @property
    def available(self) -> bool:
        """Whether every built-in module is installed (else names cannot all be checked)."""
        self.load()
        return not self.missing

    def register(self, name: str, entry: T | None = None) -> Any:
        """Register `entry` under `name`, or, without `entry`, a decorator that does."""
        if entry is not None:
            self._entries[name] = entry
            return entry

        def decorate(obj: T) -> T:
            self._entries[name] = obj
            return obj

        return decorate

    def lookup(self, name: str, key: str | None = None) -> T:
        """The entry `name`, or ConfigError at `key` with the closest name and the choices."""
        self.load()
        if name in self._entries:
            return self._entries[name]
        raise self.unknown(name, key)

    def unknown(self, name: Any, key: str | None = None) -> ConfigError:
        """The error for an unregistered `name` (named at `key`, default this registry's key)."""
        known = self.names()
        return ConfigError(
            f"{key or self.key}: unknown {self.kind} {name!r}; "
            f"{did_you_mean(str(name), known)}choose one of {', '.join(known) or '(none)'}"
        )

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self.load()._entries)

    def __getitem__(self, name: str) -> T:
        self.load()
        return self._entries[name]

    def __setitem__(self, name: str, entry: T) -> None:
        self._entries[name] = entry

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        self.load()
        return iter(list(self._entries))

    def __len__(self) -> int:
        self.load()
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        self.load()
        return name in self._entries

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self._entries)} entries, state={self._state})"


def listing(registries: dict[str, Registry[Any]]) -> dict[str, list[str]]:
    """Title -> registered names of each registry (for `connectomics info`)."""
    return {title: registry.names() for title, registry in registries.items()}
