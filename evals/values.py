"""Values made safe to write: JSON-compatible, and text that every encoder accepts.

Text from outside (a provider's answer, a dataset row) may hold lone UTF-16 surrogates
("\\ud800"), which UTF-8 cannot encode: written as is they crash the journal, the cache and
parquet. They are replaced by U+FFFD where the text enters, and the fact is flagged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from pydantic import JsonValue

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def has_surrogates(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def safe_text(text: str) -> str:
    """The text with lone surrogates replaced (a no-op, and cheap, for ordinary text)."""
    if text.isascii():
        return text
    return _SURROGATE.sub(REPLACEMENT, text)


def safe_value(value: Any) -> tuple[Any, bool]:
    """A row-like value (dicts, lists, strings, numbers) with every string made safe; and
    whether anything was replaced. Ordinary values come back as they are."""
    if isinstance(value, str):
        if has_surrogates(value):
            return safe_text(value), True
        return value, False
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        changed = False
        for key, item in value.items():
            new_key, key_changed = safe_value(key)
            new_item, item_changed = safe_value(item)
            out[new_key] = new_item
            changed = changed or key_changed or item_changed
        return (out, True) if changed else (value, False)
    if isinstance(value, list):
        items = [safe_value(item) for item in value]
        if any(changed for _, changed in items):
            return [item for item, _ in items], True
        return value, False
    return value, False


def json_safe(value: Any) -> dict[str, JsonValue]:
    """A mapping of details as plain JSON values (tuples → lists, numpy scalars → numbers,
    non-finite floats → None, unknown objects → their text)."""
    converted = _convert(value)
    return converted if isinstance(converted, dict) else {"value": converted}


def _convert(value: Any) -> JsonValue:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, Mapping):
        return {safe_text(str(k)): _convert(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_convert(v) for v in value]
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return _convert(item())
    return safe_text(str(value))
