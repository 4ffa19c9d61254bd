"""Read a structured answer: JSON from the text (strict, or fished out of prose and code fences
for backends without structured output), then checked against the task's JSON Schema.

Nothing here raises on a bad answer: an unreadable or invalid answer is a value (`Parsed`) the
scorer counts (JSON-validity and schema-validity rates).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Parsed:
    value: Any | None  # the JSON value, None when none could be read
    strict: bool  # the whole answer was JSON
    error: str | None = None  # why no JSON was read, or the first schema violation
    schema_valid: bool = False


def read_json(text: str) -> tuple[Any | None, bool, str | None]:
    """(value, strict, error): the whole text as JSON, else a fenced block, else the outermost
    {...} span (prompt-and-parse fallback)."""
    stripped = text.strip()
    try:
        return json.loads(stripped), True, None
    except ValueError as exc:
        first_error = f"not JSON: {exc}"
    candidates = [m.group(1) for m in _FENCE.finditer(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            return json.loads(candidate), False, None
        except ValueError:
            continue
    return None, False, first_error


@lru_cache(maxsize=64)
def _validator(schema_json: str) -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_json)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def check_schema(schema: dict[str, Any]) -> str | None:
    """None when `schema` is a valid JSON Schema (2020-12), else the reason."""
    from jsonschema.exceptions import SchemaError

    try:
        _validator(json.dumps(schema, sort_keys=True))
    except SchemaError as exc:
        return exc.message
    return None


def schema_violation(value: Any, schema: dict[str, Any]) -> str | None:
    """The first violation of `schema` by `value` (path and message), None when it conforms."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    first = errors[0]
    where = "/".join(str(p) for p in first.absolute_path) or "(root)"
    return f"{where}: {first.message}"


def parse_answer(text: str, schema: dict[str, Any] | None) -> Parsed:
    value, strict, error = read_json(text)
    if value is None and error is not None:
        return Parsed(None, False, error)
    if schema is None:
        return Parsed(value, strict, None, True)
    violation = schema_violation(value, schema)
    return Parsed(value, strict, violation, violation is None)
