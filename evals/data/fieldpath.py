"""Column paths into nested rows: `answer`, `meta.level`, `answers[0]`, `answers[*].answer`."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\*|-?\d+)\]")
MISSING: Any = object()


@lru_cache(maxsize=256)
def parse_path(path: str) -> tuple[str | int, ...]:
    steps: list[str | int] = []
    position = 0
    for match in _TOKEN.finditer(path):
        if match.start() != position and path[position] != ".":
            raise ValueError(f"bad column path {path!r}")
        name, index = match.groups()
        if name is not None:
            steps.append(name)
        else:
            steps.append("*" if index == "*" else int(index))
        position = match.end()
        if position < len(path) and path[position] == ".":
            position += 1
    if position != len(path) or not steps:
        raise ValueError(f"bad column path {path!r}")
    return tuple(steps)


def get_path(row: Any, path: str) -> Any:
    """The value at `path`, or MISSING; `[*]` maps the rest of the path over a list."""
    return _get(row, parse_path(path))


def _get(value: Any, steps: tuple[str | int, ...]) -> Any:
    for position, step in enumerate(steps):
        if step == "*":
            if not isinstance(value, list | tuple):
                return MISSING
            rest = steps[position + 1 :]
            items = [_get(v, rest) for v in value]
            return [v for v in items if v is not MISSING]
        if isinstance(step, int):
            if not isinstance(value, list | tuple) or not -len(value) <= step < len(value):
                return MISSING
            value = value[step]
        else:
            if not isinstance(value, dict) or step not in value:
                return MISSING
            value = value[step]
    return value
