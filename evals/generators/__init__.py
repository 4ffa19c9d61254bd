"""Built-in seeded data generators, registered under the entry-point group `evals.generators`.

A generator yields rows (dicts) whose media are encoded bytes, or zero-argument callables that
return them (rendered only when a request needs them). Row i depends only on (seed, i, params),
so the same name, parameters and seed always give the same rows, byte for byte, and any subset
or shard of rows is cheap to produce.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from evals.errors import InputError
from evals.registry import Registry


class GeneratorParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Generator(ABC):
    name: ClassVar[str]
    description: ClassVar[str] = ""
    columns: ClassVar[tuple[str, ...]]
    Params: ClassVar[type[GeneratorParams]] = GeneratorParams

    def __init__(self, params: GeneratorParams | None = None) -> None:
        self.params = params if params is not None else self.Params()

    @abstractmethod
    def rows(self, n: int, seed: int) -> Iterator[dict[str, Any]]:
        """`n` rows, deterministic in `seed` and the parameters."""


class IndexedGenerator(Generator):
    """A generator whose rows are computed one at a time: row i is `row(seed, i)`, so any
    subset or shard of rows costs only what it asks for."""

    @abstractmethod
    def row(self, seed: int, index: int) -> dict[str, Any]:
        """Row `index`, a function of (seed, index, parameters) only."""

    def rows(self, n: int, seed: int) -> Iterator[dict[str, Any]]:
        for index in range(n):
            yield self.row(seed, index)


generator_registry: Registry[Generator] = Registry("evals.generators", "generator", Generator)


def build_generator(name: str, params: Mapping[str, Any]) -> Generator:
    cls = generator_registry.get(name)
    try:
        return cls(cls.Params.model_validate(dict(params)))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(
            f"generator {name!r} parameter {'.'.join(map(str, first['loc']))!r}: {first['msg']}",
            field="dataset.params",
            fix=f"parameters allowed: {', '.join(cls.Params.model_fields) or 'none'}",
        ) from exc
