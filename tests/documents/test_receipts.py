"""The seeded receipts: exact truth that conforms to the schema, a handwritten tip on card
receipts, deliberately inconsistent documents that break the total rule, and the OCR + regex
baseline's patterns on the printed text."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from evals.engines.regex_extract import extract
from evals.generators.receipts import Receipts, ReceiptsParams, receipt_lines, receipt_record
from evals.scorers.fields import Fields
from evals.scorers.structured import schema_violation
from evals.task.loader import load_task

TASK = Path(__file__).resolve().parents[2] / "tasks" / "receipt-extract.yaml"
SCHEMA = json.loads((TASK.parent / "schemas" / "receipt.json").read_text())


def test_rows_are_seeded_conform_and_add_up() -> None:
    generator = Receipts(ReceiptsParams(inconsistent=0.3))
    rows = [generator.row(5, i) for i in range(40)]
    again = generator.row(5, 3)
    assert again["truth"] == rows[3]["truth"] and again["image"]() == rows[3]["image"]()
    for row in rows:
        record = json.loads(row["truth"])
        assert schema_violation(record, SCHEMA) is None
        assert record["subtotal"] == pytest.approx(round(sum(i["amount"] for i in record["items"]), 2))
        expected = record["subtotal"] + record["tax"] + (record["tip"] or 0.0)
        assert (abs(record["total"] - expected) < 0.005) != row["inconsistent"]
        assert (record["tip"] is not None) == row["handwritten"] == (record["payment"] == "card")
    assert {r["layout"] for r in rows} == {"narrow", "wide"}
    assert 5 <= sum(r["handwritten"] for r in rows) <= 35


def test_the_tip_is_handwritten_not_printed() -> None:
    generator = Receipts(ReceiptsParams(card=1.0, difficulty="easy"))
    row = generator.row(0, 1)
    record = json.loads(row["truth"])
    lines = receipt_lines(record, row["layout"], row["date_style"])
    tip_line = next(line for line in lines if line[2] == "tip")
    assert tip_line == ("Tip", "", "tip")  # no printed amount
    # The same receipt paid in cash has no tip line: the written digits are the only difference.
    cash = receipt_record(random.Random(1), 2, inconsistent=False, card=False)
    assert all(kind != "tip" for _, _, kind in receipt_lines(cash, "narrow", "iso"))
    image = np.asarray(Image.open(io.BytesIO(row["image"]())).convert("L"))
    assert image.min() < 80  # ink, printed and written


def test_inconsistent_truth_breaks_only_the_total_rule() -> None:
    rules = load_task(TASK).scorers[1]
    generator = Receipts(ReceiptsParams(inconsistent=1.0))
    for i in range(10):
        truth = generator.row(0, i)["truth"]
        result = rules.score(truth, [truth])  # type: ignore[attr-defined]
        assert result.flags == ("rules_violated", "violates:total_adds_up")
    consistent = Receipts(ReceiptsParams(inconsistent=0.0)).row(0, 0)["truth"]
    assert rules.score(consistent, [consistent]).flags == ()  # type: ignore[attr-defined]


@pytest.mark.parametrize("layout", ["narrow", "wide"])
@pytest.mark.parametrize("style", ["iso", "long", "us", "eu"])
def test_the_task_patterns_read_the_printed_page(layout: str, style: str) -> None:
    task = load_task(TASK)
    assert task.spec.extract is not None
    fields = task.scorers[0]
    assert isinstance(fields, Fields)
    rng = random.Random(f"{layout}{style}")
    for _ in range(5):
        record = receipt_record(rng, rng.randint(1, 6), inconsistent=False, card=rng.random() < 0.5)
        record["address"] = "12 Mill Road"
        lines = receipt_lines(record, layout, style)
        text = "\n".join(" ".join(p for p in (a, b) if p) for a, b, kind in lines if kind not in ("rule",))
        found = extract(text, task.spec.extract.patterns, SCHEMA)
        printed = {**record, "tip": None}  # the handwritten tip is not in the printed text
        result = fields.score(json.dumps(found), [json.dumps(printed)])
        assert result.values["doc_exact"] == 1.0, (result.details["wrong_fields"], found, text)
