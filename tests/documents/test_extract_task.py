"""Task files of kind `extract`: where the schema may come from, what the task hands the request
and the scorers, and bad input as one error naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from extract_support import SCHEMA, write_extract_task

from evals.errors import InputError
from evals.scorers.fields import Fields
from evals.scorers.rules import Rules
from evals.task.loader import load_task

TASKS = Path(__file__).resolve().parents[2] / "tasks"


def _rewrite(task: Path, old: str, new: str) -> Path:
    task.write_text(task.read_text().replace(old, new))
    return task


def test_schema_file_reaches_request_prompt_and_scorers(tmp_path: Path) -> None:
    task = load_task(write_extract_task(tmp_path))
    assert task.spec.generation.response_schema == SCHEMA
    fields, rules = task.scorers
    assert isinstance(fields, Fields) and fields.options.schema_ == SCHEMA
    assert fields.specs["total"].match == "money"  # type: ignore[union-attr]
    assert isinstance(rules, Rules) and [n for n, _ in rules.compiled] == ["adds_up"]
    sample = next(task.samples())
    request = task.builder.build(sample)
    assert request.params.response_schema == SCHEMA
    assert json.dumps(SCHEMA, separators=(", ", ": ")) in request.prompt_text(10_000)
    assert "[sample:s0]" in request.prompt_text(10_000)


def test_inline_schema_and_default_prompt(tmp_path: Path) -> None:
    task_file = write_extract_task(tmp_path, rules=False)
    text = task_file.read_text().replace("  schema: schema.json", "  schema: " + json.dumps(SCHEMA))
    text = "\n".join(line for line in text.splitlines() if "instruction" not in line) + "\n"
    task_file.write_text(text)
    task = load_task(task_file)
    assert [s.name for s in task.scorers] == ["fields"]
    prompt = task.builder.build(next(task.samples())).prompt_text(10_000)
    assert prompt.startswith("<image>Extract the document's fields as one JSON object")
    assert '"additionalProperties": false' in prompt


def test_pydantic_model_schema(tmp_path: Path) -> None:
    (tmp_path / "invoice_model.py").write_text(
        "from pydantic import BaseModel\n\nclass Invoice(BaseModel):\n    number: str\n    total: float\n"
    )
    task_file = _rewrite(write_extract_task(tmp_path), "schema: schema.json", "schema: invoice_model:Invoice")
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        task = load_task(task_file)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("invoice_model", None)
    schema = task.spec.generation.response_schema
    assert schema is not None and schema["required"] == ["number", "total"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("schema: schema.json", "schema: nowhere.json", "cannot read the schema file"),
        ("schema: schema.json", "schema: no_such_module:Model", "cannot load the pydantic model"),
        ("schema: schema.json", "schema: plain words", "neither a schema file"),
        ("schema: schema.json", "schema: {type: 12}", "not a valid JSON Schema"),
        ('expr: "approx', "expr: \"__import__('os') or approx", "not allowed"),
        ("total: money", "total: fuzzy", "match"),
        ("kind: extract", "kind: ocr", "kind extract"),
    ],
)
def test_bad_extract_blocks_are_input_errors(tmp_path: Path, old: str, new: str, message: str) -> None:
    task_file = _rewrite(write_extract_task(tmp_path), old, new)
    with pytest.raises(InputError, match=message) as caught:
        load_task(task_file)
    assert caught.value.file == str(task_file) or str(task_file) in str(caught.value)


def test_builtin_invoice_task_loads() -> None:
    task = load_task(TASKS / "invoice-extract.yaml")
    assert task.spec.kind == "extract" and task.spec.generation.response_schema is not None
    assert "extract_patterns" in task.spec.hints
    names = [m.name for m in task.metrics]
    assert {
        "field_f1",
        "field_macro_f1",
        "doc_exact",
        "f1.items.amount",
        "rules_agree",
        "rule.total_adds_up",
    } <= set(names)
