"""A small lazy registry over an entry-point group: names are listed without importing."""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Generic, TypeVar

from evals.errors import InputError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to classes registered under an entry-point group, imported on first use.

    Built-in and third-party entries are found the same way; `register()` adds one in-process
    (tests, notebooks), and `load_path("pkg.module:Class")` takes an explicit import path.
    """

    def __init__(self, group: str, what: str, base: Any) -> None:
        self.group = group
        self.what = what
        self.base = base
        self._entry_points: dict[str, EntryPoint] | None = None
        self._loaded: dict[str, type[T]] = {}

    def _eps(self) -> dict[str, EntryPoint]:
        if self._entry_points is None:
            self._entry_points = {ep.name: ep for ep in entry_points(group=self.group)}
        return self._entry_points

    def names(self) -> list[str]:
        return sorted(set(self._eps()) | set(self._loaded))

    def register(self, name: str, cls: type[T]) -> None:
        self._loaded[name] = cls

    def __contains__(self, name: str) -> bool:
        return name in self._loaded or name in self._eps()

    def get(self, name: str) -> type[T]:
        if name in self._loaded:
            return self._loaded[name]
        if ":" in name:
            return self.load_path(name)
        ep = self._eps().get(name)
        if ep is None:
            known = ", ".join(self.names()) or "none"
            raise InputError(
                f"unknown {self.what} {name!r}",
                fix=f"use one of: {known} (or 'package.module:Class' for your own)",
            )
        cls = ep.load()
        self._check(name, cls)
        self._loaded[name] = cls
        return cls  # type: ignore[no-any-return]

    def load_path(self, path: str) -> type[T]:
        """Import `package.module:Class` that the user named explicitly."""
        module_name, _, attr = path.partition(":")
        try:
            cls = getattr(import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise InputError(
                f"cannot import {self.what} {path!r}: {exc}",
                fix="check the module is installed and the class name is right",
            ) from exc
        self._check(path, cls)
        self._loaded[path] = cls
        return cls  # type: ignore[no-any-return]

    def _check(self, name: str, cls: object) -> None:
        if not (isinstance(cls, type) and issubclass(cls, self.base)):
            raise InputError(
                f"{self.what} {name!r} is {cls!r}, not a subclass of {self.base.__name__}",
                fix=f"register a subclass of evals.{self.base.__name__}",
            )
