"""Review routing: the confidence per document, the coverage-vs-error curve, calibration (ECE)
and the threshold that meets a target error, by hand-computed cases; token log-probabilities
through the OpenAI and Gemini wires (fake provider) into the journal, and the report's section."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from backend_support import run_options
from extract_support import answers, write_extract_task

from evals.analysis import load_run
from evals.config import RunConfig
from evals.journal import read_journal
from evals.review import (
    ReviewSpec,
    calibration,
    confidence_from_logprobs,
    coverage_curve,
    document_confidence,
    threshold_for,
)
from evals.rundata import SampleRecord
from evals.session import start_run
from evals.testing.fake_provider import FakeProvider, FakeRequest

# Five documents: confidences and whether each was extracted right (worked by hand below).
CONF = [0.95, 0.95, 0.85, 0.65, 0.25]
RIGHT = [True, True, False, True, False]


def test_coverage_curve_by_hand() -> None:
    curve = coverage_curve(CONF, RIGHT)
    assert curve.thresholds.tolist() == [0.95, 0.85, 0.65, 0.25]
    # ≥ 0.95: 2 accepted, both right; ≥ 0.85: 3, one wrong; ≥ 0.65: 4, one wrong; all: 2 wrong.
    assert curve.coverage.tolist() == pytest.approx([0.4, 0.6, 0.8, 1.0])
    assert curve.error.tolist() == pytest.approx([0.0, 1 / 3, 0.25, 0.4])


def test_threshold_is_the_most_coverage_within_the_target() -> None:
    curve = coverage_curve(CONF, RIGHT)
    assert threshold_for(curve, 0.3) == pytest.approx((0.65, 0.8, 0.25))
    assert threshold_for(curve, 0.0) == pytest.approx((0.95, 0.4, 0.0))
    assert threshold_for(curve, 0.5) == pytest.approx((0.25, 1.0, 0.4))
    assert threshold_for(coverage_curve([0.9, 0.2], [False, True]), 0.1) is None


def test_ece_by_hand() -> None:
    found = calibration(CONF, RIGHT, bins=10)
    # Bins [.9,1]: 2 docs, accuracy 1 at .95; [.8,.9): 0 at .85; [.6,.7): 1 at .65; [.2,.3): 0 at .25.
    assert found.counts.tolist() == [1, 1, 1, 2]
    assert found.confidence.tolist() == pytest.approx([0.25, 0.65, 0.85, 0.95])
    assert found.accuracy.tolist() == pytest.approx([0.0, 1.0, 0.0, 1.0])
    expected = (2 * 0.05 + 0.85 + 0.35 + 0.25) / 5
    assert found.ece == pytest.approx(expected) and expected == pytest.approx(0.31)
    assert calibration([1.0, 0.0], [True, False]).ece == pytest.approx(0.0)


def test_ece_matches_sklearn_bins_on_random_cases() -> None:
    from sklearn.calibration import calibration_curve

    rng = np.random.default_rng(3)
    conf = rng.random(200)
    right = rng.random(200) < conf
    found = calibration(conf.tolist(), right.tolist(), bins=5)
    prob_true, prob_pred = calibration_curve(right, conf, n_bins=5)
    assert found.accuracy.tolist() == pytest.approx(prob_true.tolist())
    assert found.confidence.tolist() == pytest.approx(prob_pred.tolist())
    assert int(found.counts.sum()) == 200
    # ECE computed the long way: per equal-width bin, |accuracy − confidence| weighted by share.
    edges = np.linspace(0, 1, 6)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (conf > low) & (conf <= high) if low > 0 else conf <= high
        if inside.any():
            total += inside.mean() * abs(right[inside].mean() - conf[inside].mean())
    assert found.ece == pytest.approx(total)


def _record(prediction: str, **fields: object) -> SampleRecord:
    return SampleRecord.model_validate(
        {"task": "t", "backend": "b", "sample_id": "s", "status": "ok", "prediction": prediction, **fields}
    )


def test_document_confidence_sources_and_penalties() -> None:
    record = '{"total": 1}'
    backend = _record(record, confidence=0.8, flags=["rules_violated", "violates:a", "violates:b"])
    assert document_confidence(backend) == pytest.approx((0.2, "backend"))
    reported = _record('{"total": 1, "confidence": 90}', scores={"schema_valid": 0.0})
    assert document_confidence(reported) == pytest.approx((0.45, "self-reported"))
    assert document_confidence(_record(record)) == (1.0, "none")
    assert document_confidence(_record("not json", confidence=0.9)) == (0.0, "no record")
    gentle = ReviewSpec(penalty=0.9, field="certainty")
    assert document_confidence(_record('{"certainty": 0.5}', flags=["violates:a"]), gentle) == pytest.approx(
        (0.45, "self-reported")
    )


def test_confidence_from_logprobs_is_the_geometric_mean() -> None:
    assert confidence_from_logprobs([-0.1, -0.3]) == pytest.approx(math.exp(-0.2))
    assert confidence_from_logprobs([]) is None and confidence_from_logprobs(None) is None
    assert confidence_from_logprobs([float("-inf")]) == 0.0


def test_logprobs_reach_the_journal_and_the_report_draws_routing(fake: FakeProvider, tmp_path: Path) -> None:
    seen: list[FakeRequest] = []

    def answer(request: FakeRequest) -> str:
        seen.append(request)
        return answers(int(request.sample.removeprefix("s")))

    fake.answer = answer
    fake.config.token_logprob = -0.1
    task = write_extract_task(tmp_path)
    text = task.read_text().replace("temperature: 0}", "temperature: 0, logprobs: true}")
    text = text.replace("  fields:", "  review: {target_error: 0.1}\n  fields:")
    task.write_text(text)
    backends = [
        {"name": "m", "type": "openai", "model": "gpt-4o-mini", "base_url": fake.openai_url},
        {"name": "g", "type": "gemini", "model": "gemini-2.5-flash", "base_url": fake.url},
    ]
    config = RunConfig.model_validate({"name": "t", "tasks": [str(task)], "backends": backends})
    outcome = start_run(config, tmp_path, run_options(tmp_path))
    assert all(r.body.get("logprobs") is True for r in seen if r.provider == "openai")
    assert all(r.body["generationConfig"]["responseLogprobs"] is True for r in seen if r.provider == "gemini")
    assert len(seen) == 8
    records, _ = read_journal(outcome.rundir.journal)
    assert [r.confidence for r in records] == pytest.approx([math.exp(-0.1)] * 8)
    frame = load_run(outcome.rundir.path).results
    assert frame["confidence"].tolist() == pytest.approx([math.exp(-0.1)] * 8)
    run = json.loads((outcome.rundir.path / "run.json").read_text())
    assert run["tasks"][0]["review"]["target_error"] == 0.1
    html = (outcome.rundir.path / "report.html").read_text()
    assert "Review routing" in html and "docs: review routing" in html  # the table and the figure
    assert (outcome.rundir.path / "plots" / "review-docs.png").stat().st_size > 1000
    markdown = (outcome.rundir.path / "report.md").read_text()
    # s0 and s3 are right at exp(-0.1) ≈ 0.905; s2 breaks the schema and a rule (× 0.25); s1 is no
    # record (0): accepting ≥ 0.905 takes half the documents with no error. ECE: bins of 0.905 (two
    # right), 0.226 (wrong) and 0 (wrong): (2 · 0.095 + 0.226) / 4 = 0.104.
    row = next(line for line in markdown.splitlines() if line.startswith("| m "))
    assert "backend 3, no record 1 | 0.104 | 0.500 | 0.905 | 0.500 | 0.000 |" in row
