"""Registries filled by the modules of a package: the report's sections and its figures.

A module adds to a registry where it defines what it adds (a decorator); the registry loads every
module of its package before it lists what it holds, so adding a module is all it takes to add a
section or a figure: no shared list to edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Named entries, each added by one function of a module of ``package``."""

    def __init__(self, package: str, what: str) -> None:
        self.package = package
        self.what = what  # "report section", "figure": for the error message
        self._entries: dict[str, T] = {}
        self._owners: dict[str, str] = {}

    def add(self, name: str, entry: T, owner: Callable) -> None:
        """Add ``entry`` as ``name``; the same function may add it again (its module reloaded),
        another may not."""
        key = f"{owner.__module__}.{owner.__qualname__}"
        if self._owners.get(name, key) != key:
            raise ValueError(f"{self.what} {name!r} is registered twice")
        self._entries[name] = entry
        self._owners[name] = key

    def entries(self) -> list[T]:
        """Every entry, in the order added, once every module of the package is loaded."""
        package = importlib.import_module(self.package)
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{self.package}.{module.name}")
        return list(self._entries.values())

    def copy(self, package: str | None = None) -> Registry[T]:
        """A registry with the same entries (and another package to load, if given)."""
        other: Registry[T] = Registry(package or self.package, self.what)
        other._entries = dict(self._entries)
        other._owners = dict(self._owners)
        return other
