"""The seeded forms: exact truth that conforms to the schema, a handwritten member number,
forms signed before the applicant's birth that break that rule, and the baseline's patterns
on the printed text."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest

from evals.engines.regex_extract import extract
from evals.generators.forms import Forms, FormsParams, form_record
from evals.generators.invoices import printed_date
from evals.scorers.fields import Fields
from evals.scorers.structured import schema_violation
from evals.task.loader import load_task

TASK = Path(__file__).resolve().parents[2] / "tasks" / "form-extract.yaml"
SCHEMA = json.loads((TASK.parent / "schemas" / "form.json").read_text())


def test_rows_are_seeded_conform_and_some_are_signed_before_birth() -> None:
    generator = Forms(FormsParams(inconsistent=0.3))
    rows = [generator.row(4, i) for i in range(30)]
    assert generator.row(4, 2)["image"]() == rows[2]["image"]()
    for row in rows:
        record = json.loads(row["truth"])
        assert schema_violation(record, SCHEMA) is None
        assert (record["signed_on"] <= record["date_of_birth"]) == row["inconsistent"]
        assert len(record["member_id"]) == 6
    assert 3 <= sum(r["inconsistent"] for r in rows) <= 18


def test_inconsistent_truth_breaks_only_the_birth_rule() -> None:
    rules = load_task(TASK).scorers[1]
    generator = Forms(FormsParams(inconsistent=1.0))
    for i in range(8):
        truth = generator.row(0, i)["truth"]
        result = rules.score(truth, [truth])  # type: ignore[attr-defined]
        assert result.flags == ("rules_violated", "violates:signed_after_birth")


@pytest.mark.parametrize("style", ["iso", "long", "us", "eu"])
def test_the_task_patterns_read_the_printed_fields(style: str) -> None:
    task = load_task(TASK)
    assert task.spec.extract is not None
    fields = task.scorers[0]
    assert isinstance(fields, Fields)
    rng = random.Random(style)
    for _ in range(5):
        record = form_record(rng, inconsistent=False)
        day = dt.date.fromisoformat
        text = "\n".join(
            [
                "MEMBERSHIP APPLICATION FORM",
                f"Full name: {record['name']}",
                f"Date of birth: {printed_date(day(record['date_of_birth']), style)}",
                f"Address: {record['address']}",
                f"Phone: {record['phone']}",
                f"Email: {record['email']}",
                f"Plan: {record['plan']}",
                "Member no.:",
                f"Signed on: {printed_date(day(record['signed_on']), style)}",
                "Send me the newsletter",
            ]
        )
        found = extract(text, task.spec.extract.patterns, SCHEMA)
        # The handwritten number and the tick box are not in the printed text.
        printed = {**record, "member_id": None, "newsletter": None}
        result = fields.score(json.dumps(found), [json.dumps(printed)])
        assert result.values["doc_exact"] == 1.0, (result.details["wrong_fields"], found)
