"""The rule-based half of the offline extraction baseline: regular expressions the task declares
(`extract.patterns`), applied to OCR text, values coerced by the target schema.

A scalar field's pattern is searched in the whole text (case-insensitive, `^`/`$` per line); its
value is the group named after the field, else the first group, else the whole match. A field
that is a list of records (line items) takes a pattern with named groups, matched against each
line: one record per matching line. Numbers are read as printed ("1,234.50"), dates into ISO
(a date with dots is read day first), and `scale` multiplies a number (19 % → 0.19).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evals.scorers.field_match import parse_date, parse_number

HINT = "extract_patterns"  # the request hint that carries the task's patterns as JSON


class PatternSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    regex: str
    scale: float = Field(1.0, description="multiply a number by this (19 % → 0.19: 0.01)")

    @classmethod
    def of(cls, value: str | Mapping[str, Any]) -> PatternSpec:
        return cls(regex=value) if isinstance(value, str) else cls.model_validate(value)


def _types(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()


def coerce(text: str, schema: Mapping[str, Any], scale: float = 1.0) -> Any:
    """A matched string as the schema's type: number, ISO date, enum value, or trimmed text."""
    text = text.strip()
    types = _types(schema)
    if types & {"number", "integer"}:
        number = parse_number(text)
        if number is None:
            return None
        number *= scale
        return int(number) if "integer" in types and number.is_integer() else round(number, 6)
    if schema.get("format") == "date":
        day = parse_date(text, dayfirst="." in text)
        return day.isoformat() if day else None
    if "enum" in schema:
        wanted = {str(v).casefold(): v for v in schema["enum"]}
        return wanted.get(text.casefold())
    return text


def _value(match: re.Match[str], name: str) -> str:
    if name in match.re.groupindex:
        return match.group(name) or ""
    return match.group(1) if match.re.groups else match.group(0)


def extract(text: str, patterns: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """One record: every property of the schema, null where no pattern matched."""
    properties: Mapping[str, Any] = schema.get("properties") or {}
    record: dict[str, Any] = {name: None for name in properties}
    for name, raw in patterns.items():
        spec = PatternSpec.of(raw)
        prop = properties.get(name, {})
        regex = re.compile(spec.regex, re.IGNORECASE | re.MULTILINE)
        items = prop.get("items") if "array" in _types(prop) else None
        if isinstance(items, Mapping):
            item_props: Mapping[str, Any] = items.get("properties") or {}
            rows = []
            for line in text.splitlines():
                found = regex.search(line)
                if found:
                    groups = found.groupdict()
                    rows.append({k: coerce(v or "", item_props.get(k, {}), 1.0) for k, v in groups.items()})
            record[name] = rows
            continue
        found = regex.search(text)
        record[name] = coerce(_value(found, name), prop, spec.scale) if found else None
    return record


def patterns_hint(patterns: Mapping[str, Any]) -> str:
    """The patterns as the hint value a request carries (JSON, checked to compile)."""
    for name, raw in patterns.items():
        try:
            re.compile(PatternSpec.of(raw).regex)
        except re.error as exc:
            raise ValueError(f"pattern for {name!r} is not a regular expression: {exc}") from None
    return json.dumps(dict(patterns), sort_keys=True)
