"""The document pipeline backend: classify with one model, extract with the model for the type;
per-stage seconds and dollars and the classifier's verdict in the journal; "mini classifies,
full extracts" against "full does both" in one run (fake provider); the report's tables."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from backend_support import journal, run_options
from extract_support import answers, write_extract_task
from PIL import Image

from evals.analysis import load_run
from evals.backends.document_pipeline import classified_type
from evals.config import RunConfig
from evals.engines.ocr_classify import keyword_type
from evals.session import start_run
from evals.testing.fake_provider import FakeProvider, FakeRequest


def test_classified_type_is_the_first_type_named() -> None:
    types = ["invoice", "receipt", "form"]
    assert classified_type("Receipt.", types) == "receipt"
    assert classified_type("This is a form, not an invoice", types) == "form"
    assert classified_type("invoices", types) is None  # whole words only
    assert keyword_type("TAX INVOICE\nreceipt no", types, {}) == "invoice"
    assert keyword_type("Cashier: Ann", types, {"receipt": ["cashier"]}) == "receipt"
    assert keyword_type("nothing", types, {}) == "unknown"


def _pipeline_task(folder: Path) -> Path:
    task = write_extract_task(folder)
    data = folder / "data" / "docs.jsonl"
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    data.write_text("".join(json.dumps({**r, "doc_type": "invoice"}) + "\n" for r in rows))
    text = task.read_text().replace("images: [image]}", "images: [image], metadata: [doc_type]}")
    task.write_text(text)
    return task


def _stage(fake: FakeProvider, model: str) -> dict[str, object]:
    return {"type": "openai", "model": model, "base_url": fake.openai_url}


def test_mini_for_classification_against_full_for_both(fake: FakeProvider, tmp_path: Path) -> None:
    classify_models: list[str | None] = []

    def answer(request: FakeRequest) -> str:
        if "What type of document" in request.text:
            classify_models.append(request.model)
            height = Image.open(io.BytesIO(request.images[0])).size[1]
            return "receipt" if height == 43 else "Invoice."  # sample 3 is taken for a receipt
        return answers(int(request.sample.removeprefix("s")))

    fake.answer = answer
    task = _pipeline_task(tmp_path)
    backends = [
        {
            "name": "mini+full",
            "type": "document-pipeline",
            "options": {
                "classify": _stage(fake, "gpt-4o-mini"),
                "extract": {"invoice": _stage(fake, "gpt-4o"), "receipt": _stage(fake, "gpt-4o-mini")},
            },
        },
        {
            "name": "full",
            "type": "document-pipeline",
            "options": {"classify": _stage(fake, "gpt-4o"), "extract": {"invoice": _stage(fake, "gpt-4o")}},
        },
    ]
    config = RunConfig.model_validate({"name": "t", "tasks": [str(task)], "backends": backends})
    outcome = start_run(config, tmp_path, run_options(tmp_path))
    assert outcome.exit_code == 0
    assert sorted(classify_models) == ["gpt-4o"] * 4 + ["gpt-4o-mini"] * 4
    lines = [json.loads(x) for x in outcome.rundir.journal.read_text().splitlines()]
    mixed = {x["sample_id"]: x for x in lines if x["backend"] == "mini+full"}
    assert {sid: x["stages"]["classify"]["answer"] for sid, x in mixed.items()} == {
        "s0": "invoice",
        "s1": "invoice",
        "s2": "invoice",
        "s3": "receipt",
    }
    # "full" knows one type only: the receipt answer falls back to its invoice extractor.
    full = {x["sample_id"]: x for x in lines if x["backend"] == "full"}
    assert set(full["s3"]["stages"]) == {"classify", "extract:invoice"}
    assert set(mixed["s3"]["stages"]) == {"classify", "extract:receipt"}
    for line in lines:
        stages = line["stages"]
        costs = [s["cost_usd"] for s in stages.values()]
        assert all(c is not None and c > 0 for c in costs)
        assert line["cost_usd"] == pytest.approx(sum(costs))
        assert all(s["seconds"] >= 0 for s in stages.values())
    # Each classifier is priced by its own model's rule (gpt-4o-mini bills an image as many more
    # tokens, so on one image its classify stage is no cheaper than gpt-4o's).
    mini_cost = sum(x["stages"]["classify"]["cost_usd"] for x in mixed.values())
    full_cost = sum(x["stages"]["classify"]["cost_usd"] for x in full.values())
    assert mini_cost != pytest.approx(full_cost)
    assert journal(outcome)["s0"]["scores"]["doc_exact"] == 1.0
    # Notebooks see the stages too (samples.parquet through evals.load_run).
    frame = load_run(outcome.rundir.path).results
    row = frame[(frame["backend"] == "mini+full") & (frame["sample_id"] == "s3")].iloc[0]
    assert json.loads(row["stages"])["classify"]["answer"] == "receipt"
    markdown = (outcome.rundir.path / "report.md").read_text()
    assert "Pipeline stages: seconds and dollars per document" in markdown
    assert "| mini+full | classify | 4 |" in markdown and "|  | extract:receipt | 1 |" in markdown
    # The confusion matrix: four invoices, one classified as a receipt.
    assert "| invoice | 3 | 1 |" in markdown and "3 of 4 documents typed right" in markdown


ROOT = Path(__file__).resolve().parents[2]


def test_the_documents_config_plans_its_pipelines() -> None:
    from evals.config import load_config
    from evals.plan import make_plan

    config = load_config(ROOT / "configs" / "documents.yaml")
    plan = make_plan(config, ROOT / "configs", check_backends=False)
    pipeline = plan.backends["ocr-pipeline"]
    assert pipeline.kind == "baseline"  # every stage is a baseline, so the pipeline is labelled one
    assert pipeline.model == "tesseract+keywords→invoice:tesseract+regex"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs Debian's tesseract-ocr")
def test_offline_pipeline_classifies_extracts_and_validates(tmp_path: Path) -> None:
    from evals.config import load_config

    config = load_config(ROOT / "configs" / "documents.yaml").model_copy(update={"limit": 3})
    outcome = start_run(config, ROOT / "configs", run_options(tmp_path))
    assert outcome.exit_code == 0
    lines = [json.loads(x) for x in outcome.rundir.journal.read_text().splitlines()]
    piped = [x for x in lines if x["backend"] == "ocr-pipeline"]
    assert len(piped) == 3 and all(x["status"] == "ok" for x in piped)
    assert all(x["stages"]["classify"]["answer"] == "invoice" for x in piped)
    assert all(set(x["stages"]) == {"classify", "extract:invoice"} for x in piped)
    assert all(0.0 < x["confidence"] <= 1.0 for x in piped)  # the extractor's, passed through
    html = (outcome.rundir.path / "report.html").read_text()
    assert "Pipeline stages" in html and "Review routing" in html and "3 of 3 documents typed right" in html
