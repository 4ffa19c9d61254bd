"""The `ocrbench` scorer against vectors produced by running OCRBench's own scoring lines
(tests/data/golden_ocrbench/provenance.json)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from evals.scorers.ocrbench import OCRBenchScorer, contains_reference
from evals.scoring import build_scorer

GOLDEN = Path(__file__).parent / "golden_ocrbench"
VECTORS = [json.loads(line) for line in (GOLDEN / "vectors.jsonl").read_text().splitlines()]


def test_matches_ocrbench_on_every_vector() -> None:
    assert len(VECTORS) == json.loads((GOLDEN / "provenance.json").read_text())["total"] >= 2000
    assert {v["expected"] for v in VECTORS} == {0, 1}
    wrong = [
        v
        for v in VECTORS
        if contains_reference(v["predict"], v["answers"], formula=v["dataset_name"] == "HME100k")
        != bool(v["expected"])
    ]
    assert not wrong, wrong[:5]


def test_the_scorer_reads_the_subset_from_metadata() -> None:
    scorer = build_scorer("ocrbench")
    assert isinstance(scorer, OCRBenchScorer)
    formula = {"dataset": "HME100k"}
    assert scorer.score("x ^ 2 + 1", ["x^2+1"], metadata=formula).values == {"ocrbench": 1.0}
    assert scorer.score("x ^ 2 + 1", ["x^2+1"], metadata={"dataset": "IIIT5K"}).values == {"ocrbench": 0.0}
    assert scorer.score("X^2+1", ["x^2+1"], metadata=formula).values == {"ocrbench": 0.0}  # case kept
    assert scorer.score("The sign says STOP.", ["stop"], metadata={"dataset": "IIIT5K"}).values == {
        "ocrbench": 1.0
    }


@pytest.mark.parametrize("prediction", ["", " ", "\x00", "🙂", "a" * 5000])
def test_bad_predictions_never_raise(prediction: str) -> None:
    for targets in (["stop"], [], ["a", "b"]):
        result = build_scorer("ocrbench").score(prediction, targets)
        assert math.isfinite(result.values["ocrbench"]) and result.values["ocrbench"] in (0.0, 1.0)
