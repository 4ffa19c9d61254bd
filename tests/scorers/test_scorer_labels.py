"""Label scorers feed the summary's precision/recall/F1 and confusion matrix."""

from __future__ import annotations

import pytest

from evals.classification import classification_summary, predicted_label
from evals.rundata import SampleRecord
from evals.scorers.choice import YesNo
from evals.scoring import TextScorer


def _records(scorer: TextScorer, pairs: list[tuple[str, str]]) -> list[SampleRecord]:
    out = []
    for i, (prediction, target) in enumerate(pairs):
        scored = scorer.score(prediction, [target])
        out.append(
            SampleRecord(
                task="t",
                backend="b",
                sample_id=str(i),
                status="ok",
                details={scorer.name: scored.details},
                flags=list(scored.flags),
            )
        )
    return out


def test_pope_style_summary() -> None:
    pairs = [
        ("Yes", "yes"),
        ("yes, there is", "yes"),
        ("No", "yes"),  # false negative
        ("Yes and no", "yes"),  # contradictory
        ("No.", "no"),
        ("There is no cat.", "no"),
        ("Yes", "no"),  # false positive
        ("hmm", "no"),  # unparsed
    ]
    summary = classification_summary(_records(YesNo(), pairs))["yes_no"]
    assert summary.labels == ["(contradictory)", "(unparsed)", "no", "yes"]
    yes = summary.per_label["yes"]
    assert yes.precision == pytest.approx(2 / 3)  # 3 predicted yes, 2 right
    assert yes.recall == pytest.approx(2 / 4)  # 4 yes references, 2 found
    no = summary.per_label["no"]
    assert no.precision == pytest.approx(2 / 3) and no.recall == pytest.approx(2 / 4)
    matrix = dict(zip(summary.labels, summary.confusion_matrix, strict=True))
    assert matrix["yes"] == [1, 0, 1, 2]  # rows: reference; columns: predicted, in label order
    assert matrix["no"] == [0, 1, 2, 1]


def test_predicted_label_names_the_failure() -> None:
    assert predicted_label({"predicted_label": "B"}) == "B"
    assert predicted_label({"predicted_label": None, "parse_failure": "ambiguous"}) == "(ambiguous)"
    assert predicted_label({"predicted_label": None}) == "(unparsed)"
