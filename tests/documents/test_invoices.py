"""The seeded invoices: exact truth that conforms to the schema, deliberately inconsistent
documents that break the total rule, and the OCR + regex baseline's patterns on the page text."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from backend_support import run_options

from evals.config import RunConfig
from evals.engines.regex_extract import extract
from evals.generators.invoices import Invoices, InvoicesParams, invoice_lines, invoice_record
from evals.journal import read_journal
from evals.scorers.fields import Fields
from evals.scorers.structured import schema_violation
from evals.session import start_run
from evals.task.loader import load_task

TASK = Path(__file__).resolve().parents[2] / "tasks" / "invoice-extract.yaml"
SCHEMA = json.loads((TASK.parent / "schemas" / "invoice.json").read_text())


def test_rows_are_seeded_and_conform() -> None:
    generator = Invoices(InvoicesParams(inconsistent=0.3))
    rows = [generator.row(5, i) for i in range(40)]
    again = generator.row(5, 3)
    assert again["truth"] == rows[3]["truth"] and again["image"]() == rows[3]["image"]()
    for row in rows:
        record = json.loads(row["truth"])
        assert schema_violation(record, SCHEMA) is None
        items = round(sum(i["amount"] for i in record["items"]), 2)
        assert record["subtotal"] == pytest.approx(items)
        adds_up = abs(record["total"] - (record["subtotal"] + record["tax"])) < 0.005
        assert adds_up != row["inconsistent"]
    assert 5 <= sum(r["inconsistent"] for r in rows) <= 20
    assert {r["layout"] for r in rows} == {"classic", "compact"}


def test_inconsistent_truth_breaks_only_the_total_rule() -> None:
    task = load_task(TASK)
    rules = task.scorers[1]
    generator = Invoices(InvoicesParams(inconsistent=1.0))
    for i in range(10):
        truth = generator.row(0, i)["truth"]
        result = rules.score(truth, [truth])  # type: ignore[attr-defined]
        assert result.flags == ("rules_violated", "violates:total_adds_up")
        assert result.values["rules_agree"] == 1.0


def _page_text(record: dict[str, object], layout: str, style: str) -> str:
    lines = invoice_lines(record, layout, style, ("1 Mill Road", "2 Oak Lane"))
    return "\n".join(" ".join(p for p in (left, right) if p) for left, right, kind in lines if kind != "rule")


@pytest.mark.parametrize("layout", ["classic", "compact"])
@pytest.mark.parametrize("style", ["iso", "long", "us", "eu"])
def test_the_task_patterns_read_the_printed_page(layout: str, style: str) -> None:
    task = load_task(TASK)
    assert task.spec.extract is not None
    rng = random.Random(f"{layout}{style}")
    fields = task.scorers[0]
    assert isinstance(fields, Fields)
    for _ in range(5):
        record = invoice_record(rng, rng.randint(1, 5), inconsistent=False)
        found = extract(_page_text(record, layout, style), task.spec.extract.patterns, SCHEMA)
        result = fields.score(json.dumps(found), [json.dumps(record)])
        assert result.values["doc_exact"] == 1.0, (result.details["wrong_fields"], found)


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs Debian's tesseract-ocr")
def test_ocr_rules_baseline_runs_the_task_offline(tmp_path: Path) -> None:
    config = RunConfig.model_validate(
        {
            "name": "docs",
            "tasks": [str(TASK)],
            "limit": 4,
            "backends": [
                {"name": "ocr-rules", "type": "ocr-rules", "options": {"workers": 1}},
                {"name": "oracle", "type": "oracle"},
            ],
        }
    )
    outcome = start_run(config, tmp_path, run_options(tmp_path))
    assert outcome.exit_code == 0
    baseline = outcome.summary.cell("invoice-extract", "ocr-rules")
    oracle = outcome.summary.cell("invoice-extract", "oracle")
    assert baseline is not None and oracle is not None
    assert baseline.backend_kind == "baseline" and baseline.n_errors == 0
    assert oracle.metrics["field_f1"].value == 1.0 and oracle.metrics["doc_exact"].value == 1.0
    f1 = baseline.metrics["field_f1"].value
    assert f1 is not None and 0.5 < f1 <= 1.0
    records, _ = read_journal(outcome.rundir.journal)
    assert len(records) == 8 and all(r.status == "ok" for r in records)
    confidences = [r.confidence for r in records if r.backend == "ocr-rules"]
    # The baseline's confidence: OCR word confidence × the share of fields its patterns found.
    assert all(c is not None and 0.0 < c <= 1.0 for c in confidences), confidences
    html = (outcome.rundir.path / "report.html").read_text()
    assert "Review routing" in html and "invoice-extract: review routing" in html  # table and figure
