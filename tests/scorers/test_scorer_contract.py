"""What every scorer promises: it loads by name, the oracle's answer scores perfectly on
well-formed data, a bad prediction never raises, and its values match its declared metrics."""

from __future__ import annotations

import asyncio
import math
from typing import Any, cast

import pytest

from evals.backends.base import BackendConfig
from evals.backends.baselines import OracleBackend
from evals.records import Request, Sample
from evals.scorers.anls import ANLS
from evals.scorers.choice import MultipleChoice, YesNo
from evals.scorers.counting import CountScorer
from evals.scorers.exact_match import ExactMatch
from evals.scorers.relaxed import LenientRelaxedAccuracy, RelaxedAccuracy
from evals.scorers.spatial import SpatialAccuracy
from evals.scorers.speech import CER, WER
from evals.scorers.vqa import VQAAccuracy
from evals.scoring import Scorer, build_scorer, scorer_registry

CLASSES: dict[str, type[Scorer]] = {
    "exact_match": ExactMatch,
    "vqa_accuracy": VQAAccuracy,
    "anls": ANLS,
    "relaxed_accuracy": RelaxedAccuracy,
    "relaxed_accuracy_lenient": LenientRelaxedAccuracy,
    "multiple_choice": MultipleChoice,
    "yes_no": YesNo,
    "count": CountScorer,
    "wer": WER,
    "cer": CER,
    "spatial_accuracy": SpatialAccuracy,
}

# Well-formed samples per scorer: (targets, choices). VQA answers are in processed form, the way
# the official annotation files hold them, and the top answer appears at least four times.
WELL_FORMED: dict[str, list[tuple[list[str], list[str] | None]]] = {
    "exact_match": [(["Paris"], None), (["new york", "New York City"], None)],
    "vqa_accuracy": [
        (["2"] * 4 + ["3"] * 3 + ["4"] * 3, None),
        (["yes"] * 10, None),
        (["t shirt"] * 6 + ["shirt"] * 4, None),
        (["red", "red", "blue", "red", "red", "green", "red", "red", "red", "red"], None),
        (["Two dogs"], None),  # fewer than ten: any processed reference
    ],
    "anls": [(["Invoice #123"], None), (["  ACME  Corp ", "acme corporation"], None)],
    "relaxed_accuracy": [(["12.5"], None), (["50%"], None), (["0"], None), (["Yes"], None)],
    "relaxed_accuracy_lenient": [(["$1,234"], None), (["45%"], None), (["0"], None), (["blue"], None)],
    "multiple_choice": [(["B"], ["cat", "dog", "bird"]), (["bird"], ["cat", "dog", "bird"]), (["D"], None)],
    "yes_no": [(["yes"], None), (["No"], None), (["yes", "yes", "no"], None)],
    "count": [(["3"], None), (["0"], None), (["twelve"], None), (["100"], None)],
    "wer": [(["The cat sat on the mat."], None), (["Mr. Smith paid $20."], None), (["a", "b", "b"], None)],
    "cer": [(["Hello, world!"], None), (["ACME Corp. 2024"], None)],
    "spatial_accuracy": [
        (["left"], None),
        (["in front of"], None),
        (["under"], None),
        (["yes"], None),
        (["B"], ["above", "below"]),
    ],
}

PERFECT = {"count_abs_error": 0.0, "wer": 0.0, "cer": 0.0}

GARBAGE = [
    "",
    "   ",
    "\x00\x01",
    "🙂🙃",
    "...",
    "None",
    "null",
    "(" * 50,
    "\\boxed{",
    "Answer:",
    "answer: answer: answer:",
    "1e999",
    "-",
    "%",
    "$",
    "a" * 5000,
    "yes no left right 1 2 3 A B C " * 50,
    "ß İ ﬁ ＡＢＣ",
]


def oracle_answer(targets: list[str]) -> str:
    oracle = OracleBackend(BackendConfig(name="oracle", type="oracle"))
    sample = Sample(id="s", fields={}, targets=targets)
    return asyncio.run(oracle.answer(cast(Request, None), sample)).text


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_registered_by_name(name: str) -> None:
    assert name in scorer_registry
    scorer = build_scorer(name)
    assert type(scorer) is CLASSES[name] and scorer.name == name


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_unknown_options_are_rejected(name: str) -> None:
    from evals.errors import InputError

    with pytest.raises(InputError):
        build_scorer(name, {"no_such_option": 1})


@pytest.mark.parametrize(
    ("name", "targets", "choices"), [(n, t, c) for n, cases in WELL_FORMED.items() for t, c in cases]
)
def test_oracle_scores_perfectly(name: str, targets: list[str], choices: list[str] | None) -> None:
    scorer = build_scorer(name)
    result = scorer.score(oracle_answer(targets), targets, choices=choices)
    assert result.flags == ()
    for metric in scorer.metrics:
        expected = PERFECT.get(metric.name, 1.0)
        assert result.values[metric.name] == pytest.approx(expected), (metric.name, result)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_bad_predictions_never_raise(name: str) -> None:
    scorer = build_scorer(name)
    declared = {m.name: m for m in scorer.metrics}
    for targets, choices in WELL_FORMED[name]:
        for prediction in GARBAGE:
            result = scorer.score(prediction, targets, choices=choices)
            assert set(result.values) <= set(declared)
            for key, value in result.values.items():
                assert math.isfinite(value), (prediction, key)
                if declared[key].binary:
                    assert value in (0.0, 1.0)
            _check_ratio_details(scorer, result.details)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_no_reference_never_raises(name: str) -> None:
    result = build_scorer(name).score("anything", [])
    assert "no_reference" in result.flags
    assert all(v in (0.0, 1.0) for v in result.values.values())


def _check_ratio_details(scorer: Scorer, details: dict[str, Any]) -> None:
    for metric in scorer.metrics:
        if metric.ratio_of:
            num, den = metric.ratio_of
            assert isinstance(details[num], int) and isinstance(details[den], int)
