"""A shard of a dataset: every n-th sample starting at i (`--shard i/n`), for splitting a run
across processes or machines."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_serializer, model_validator
from pydantic_core import PydanticCustomError

from evals.errors import InputError

_FIX = "write it as i/n with 0 <= i < n, e.g. 0/4"


class Shard(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    count: int

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            index, _, count = value.partition("/")
            if not (index.strip().isdigit() and count.strip().isdigit()):
                raise PydanticCustomError("shard", "bad shard {text}", {"text": repr(value), "fix": _FIX})
            return {"index": int(index), "count": int(count)}
        return value

    @model_validator(mode="after")
    def _in_range(self) -> Shard:
        if not (self.count >= 1 and 0 <= self.index < self.count):
            raise PydanticCustomError("shard", "bad shard {text}", {"text": repr(str(self)), "fix": _FIX})
        return self

    @model_serializer
    def _as_text(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            return cls.model_validate(text)
        except ValueError as exc:
            raise InputError(f"bad shard {text!r}", field="--shard", fix=_FIX) from exc

    def takes(self, position: int) -> bool:
        return position % self.count == self.index
