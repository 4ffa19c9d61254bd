"""Task kind `extract`: the target schema, field matchers and business rules of a task file.

    kind: extract
    extract:
      schema: schemas/invoice.json        # inline JSON Schema, a .json/.yaml file, or module:Class
      fields: {total: money, date: date, items: {match: list, fields: {amount: money}}}
      rules: ["total == sum(items[*].amount) + tax", {name: not_future, expr: "date <= today"}]

The schema is sent as structured output where the backend has it (`generation.response_schema`)
and written into the default prompt for the others (prompt-and-parse). The `fields` and `rules`
scorers receive the schema, matchers and rules from here, so a task states them once.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from evals.data.spec import Strict
from evals.engines.regex_extract import patterns_hint
from evals.errors import InputError
from evals.review import ReviewSpec
from evals.scorers.record_match import parse_field_specs
from evals.scorers.rules import RuleSpec
from evals.scorers.structured import check_schema

DEFAULT_INSTRUCTION = (
    "Extract the document's fields as one JSON object that conforms to this JSON Schema:\n"
    "{schema}\n"
    "Use null for a field the document does not show. Reply with the JSON object only."
)


class ExtractSpec(Strict):
    schema_: dict[str, Any] | str = Field(
        alias="schema",
        description="JSON Schema inline, a .json/.yaml file relative to the task file, "
        "or a pydantic model module:Class",
    )
    fields: dict[str, Any] = Field(
        default_factory=dict,
        description="matcher per field (exact, text, anls, numeric, date, money, enum; "
        "{match: list, fields: {...}} for line items); others are inferred from the schema",
    )
    rules: list[RuleSpec] = Field(default_factory=list, description="business rules (safe expressions)")
    today: dt.date | None = Field(
        None, description="the date rules read as `today` (default: the day of scoring)"
    )
    instruction: str | None = Field(
        None, description="the default prompt's instruction; {schema} is replaced"
    )
    patterns: dict[str, str | dict[str, Any]] = Field(
        default_factory=dict,
        description="regular expressions per field for the ocr-rules baseline ({regex, scale} or a string)",
    )

    review: ReviewSpec | None = Field(
        None,
        description="review routing: target_error among auto-accepted documents, penalty per "
        "violated rule (docs/documents.md)",
    )

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: dict[str, str | dict[str, Any]]) -> dict[str, str | dict[str, Any]]:
        patterns_hint(value)  # raises on a pattern that does not compile
        return value

    @field_validator("fields")
    @classmethod
    def _matchers(cls, value: dict[str, Any]) -> dict[str, Any]:
        parse_field_specs(value)  # raises on an unknown matcher or option
        return value


def _load_file(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yaml", ".yml"):
        import yaml

        return yaml.safe_load(text)
    return json.loads(text)


def _from_model(target: str) -> dict[str, Any]:
    module_name, _, class_name = target.partition(":")
    try:
        model = getattr(importlib.import_module(module_name), class_name)
        schema: dict[str, Any] = model.model_json_schema()
    except (ImportError, AttributeError) as exc:
        raise InputError(
            f"cannot load the pydantic model {target!r}: {exc}",
            field="extract.schema",
            fix="name an importable pydantic model as module:Class",
        ) from None
    return schema


def resolve_schema(spec: ExtractSpec, base: Path) -> dict[str, Any]:
    """The JSON Schema as a dict, checked to be a valid schema."""
    raw = spec.schema_
    if isinstance(raw, dict):
        schema = raw
    elif raw.endswith((".json", ".yaml", ".yml")):
        path = (base / raw).resolve()
        try:
            loaded = _load_file(path)
        except (OSError, ValueError) as exc:
            raise InputError(
                f"cannot read the schema file {path}: {exc}",
                field="extract.schema",
                fix="point extract.schema at a JSON or YAML file relative to the task file",
            ) from None
        if not isinstance(loaded, dict):
            raise InputError(
                f"{path} holds no JSON Schema object", field="extract.schema", fix="write a JSON object"
            )
        schema = loaded
    elif ":" in raw:
        schema = _from_model(raw)
    else:
        raise InputError(
            f"extract.schema {raw!r} is neither a schema file nor module:Class",
            field="extract.schema",
            fix="give the schema inline, as a .json/.yaml path, or as a pydantic model module:Class",
        )
    problem = check_schema(schema)
    if problem:
        raise InputError(
            f"the schema is not a valid JSON Schema: {problem}", field="extract.schema", fix="fix the schema"
        )
    return schema


def instruction(spec: ExtractSpec, schema: dict[str, Any]) -> str:
    """The default prompt's text: a Jinja2 template whose schema is kept raw (no template syntax)."""
    text = json.dumps(schema, indent=None, separators=(", ", ": "))
    template = spec.instruction or DEFAULT_INSTRUCTION
    return template.replace("{schema}", "{% raw %}" + text + "{% endraw %}")


def scorer_options(name: str, spec: ExtractSpec, schema: dict[str, Any]) -> dict[str, Any]:
    """What the extract block gives the `fields` and `rules` scorers (their own options win)."""
    if name == "fields":
        return {"schema": schema, "fields": spec.fields}
    if name == "rules":
        options: dict[str, Any] = {"rules": [r.model_dump() for r in spec.rules]}
        if spec.today is not None:
            options["today"] = spec.today.isoformat()
        return options
    return {}
