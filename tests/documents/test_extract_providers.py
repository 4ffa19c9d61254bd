"""Structured output on every provider through the real SDKs and the fake provider: the schema
goes on the wire in each provider's own form, and malformed JSON or a schema violation is
counted (json_valid, schema_valid), never a crash or an error of the sample."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from backend_support import journal, run_config, run_options
from extract_support import SCHEMA, answers, write_extract_task

from evals.session import start_run
from evals.testing.fake_provider import FakeProvider, FakeRequest


def _sent_schema_openai_chat(body: dict[str, Any]) -> Any:
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    return fmt["json_schema"]["schema"]


def _sent_schema_responses(body: dict[str, Any]) -> Any:
    fmt = body["text"]["format"]
    assert fmt["type"] == "json_schema" and fmt["strict"] is True
    return fmt["schema"]


def _sent_schema_tool(body: dict[str, Any]) -> Any:
    assert body["tool_choice"] == {"type": "tool", "name": "record_answer"}
    (tool,) = body["tools"]
    return tool["input_schema"]


def _sent_schema_output_config(body: dict[str, Any]) -> Any:
    return body["output_config"]["format"]["schema"]


def _sent_schema_gemini(body: dict[str, Any]) -> Any:
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    return config["responseJsonSchema"]


CASES = {
    "openai-chat": ({"type": "openai", "model": "gpt-4o-mini"}, _sent_schema_openai_chat),
    "openai-responses": (
        {"type": "openai", "model": "gpt-4o-mini", "options": {"api": "responses"}},
        _sent_schema_responses,
    ),
    "anthropic-tool": (
        {"type": "anthropic", "model": "claude-haiku-4-5", "options": {"structured_via": "tool"}},
        _sent_schema_tool,
    ),
    "anthropic-output-config": (
        {"type": "anthropic", "model": "claude-haiku-4-5"},
        _sent_schema_output_config,
    ),
    "gemini": ({"type": "gemini", "model": "gemini-2.5-flash"}, _sent_schema_gemini),
    "openai-compatible": ({"type": "openai-compatible", "model": "qwen2.5-vl"}, _sent_schema_openai_chat),
}


def _backend(fake: FakeProvider, fields: dict[str, Any]) -> dict[str, Any]:
    url = fake.openai_url if fields["type"].startswith("openai") else fake.url
    return {"name": "m", "base_url": url, **fields}


@pytest.mark.parametrize("case", sorted(CASES))
def test_structured_output_and_malformed_answers_counted(
    fake: FakeProvider, tmp_path: Path, case: str
) -> None:
    fields, sent_schema = CASES[case]
    seen: list[FakeRequest] = []

    def answer(request: FakeRequest) -> str:
        seen.append(request)
        return answers(int(request.sample.removeprefix("s")))

    fake.answer = answer
    task = write_extract_task(tmp_path)
    outcome = start_run(run_config(task, _backend(fake, fields)), tmp_path, run_options(tmp_path))
    assert sent_schema(seen[0].body) == SCHEMA
    lines = journal(outcome)
    assert {sid: line["status"] for sid, line in lines.items()} == dict.fromkeys(
        ["s0", "s1", "s2", "s3"], "ok"
    )
    scores = {sid: line["scores"] for sid, line in lines.items()}
    assert scores["s0"]["doc_exact"] == 1.0 and scores["s0"]["rules_agree"] == 1.0
    assert scores["s1"]["json_valid"] == 0.0 and scores["s1"]["field_recall"] == 0.0
    assert scores["s2"]["json_valid"] == 1.0 and scores["s2"]["schema_valid"] == 0.0
    assert scores["s3"]["json_valid"] == 1.0 and scores["s3"]["schema_valid"] == 1.0
    cell = outcome.summary.cell("docs", "m")
    assert cell is not None and cell.n_errors == 0
    assert cell.metrics["schema_valid"].value == pytest.approx(0.5)
    assert cell.metrics["json_valid"].value == pytest.approx(0.75)
    assert cell.scorer_errors.get("rules") == 1  # the cut-off answer has no record to check
    assert cell.flags.get("rules_violated") == 1  # sample 2: "five" is not a number to add up
    f1 = cell.metrics["field_f1"]
    assert f1.aggregation == "corpus" and f1.ci_low is not None and f1.value is not None


def test_without_structured_output_the_schema_is_in_the_prompt(fake: FakeProvider, tmp_path: Path) -> None:
    seen: list[FakeRequest] = []
    fake.answer = lambda request: seen.append(request) or answers(3)  # type: ignore[func-returns-value]
    task = write_extract_task(tmp_path, 1)
    backend = _backend(
        fake, {"type": "openai", "model": "gpt-4o-mini", "options": {"structured_output": False}}
    )
    outcome = start_run(run_config(task, backend), tmp_path, run_options(tmp_path))
    assert "response_format" not in seen[0].body
    assert '"required": ["number", "total", "items"]' in seen[0].text  # prompt-and-parse
    scores = journal(outcome)["s0"]["scores"]
    # answers(3) is sample 3's record in a fence: parsed, valid, but not sample 0's record.
    assert scores["json_valid"] == 1.0 and scores["schema_valid"] == 1.0 and scores["doc_exact"] == 0.0
