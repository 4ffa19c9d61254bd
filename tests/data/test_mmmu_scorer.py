"""The `mmmu` scorer against vectors produced by running MMMU's own evaluation code
(tests/data/golden_mmmu/provenance.json), plus the scorer's contract."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from evals.errors import InputError
from evals.scorers.mmmu import MMMUScorer, open_answer_right, pick_option, read_open_answer
from evals.scoring import build_scorer, scorer_registry

GOLDEN = Path(__file__).parent / "golden_mmmu"
VECTORS = [json.loads(line) for line in (GOLDEN / "vectors.jsonl").read_text().splitlines()]


def test_the_vectors_are_many_and_cover_every_branch() -> None:
    provenance = json.loads((GOLDEN / "provenance.json").read_text())
    assert len(VECTORS) == provenance["total"] >= 2000
    kinds = {(v["kind"], v["variant"], v["expected_right"]) for v in VECTORS}
    for variant in ("mmmu", "mmmu_pro"):
        assert {("multiple-choice", variant, x) for x in (True, False, None)} <= kinds
    assert {("open", "mmmu", True), ("open", "mmmu", False)} <= kinds


def test_option_parsing_matches_mmmu() -> None:
    wrong = [
        (v["response"], v["options"], v["expected_pick"], got)
        for v in VECTORS
        if v["kind"] == "multiple-choice"
        and (got := pick_option(v["response"], v["options"], v["variant"])) != v["expected_pick"]
    ]
    assert not wrong, wrong[:5]


def test_open_answers_match_mmmu() -> None:
    wrong = []
    for v in VECTORS:
        if v["kind"] != "open":
            continue
        readings = read_open_answer(v["response"])
        gold = v["answer"] if isinstance(v["answer"], list) else [v["answer"]]
        if sorted({repr(r) for r in readings}) != v["expected_readings"]:
            wrong.append(("readings", v["response"], readings))
        elif open_answer_right(gold, readings) != v["expected_right"]:
            wrong.append(("verdict", v["response"], v["answer"]))
    assert not wrong, wrong[:5]


def _score(v: dict[str, Any]) -> Any:
    scorer = MMMUScorer.from_options({"variant": v["variant"]})
    if v["kind"] == "open":
        target = (
            v["answer"] if isinstance(v["answer"], str) else str(v["answer"])
        )  # lists as MMMU stores them
        return scorer.score(v["response"], [target], choices=None, metadata={"question_type": "open"})
    return scorer.score(
        v["response"], [v["answer"]], choices=v["options"], metadata={"question_type": "multiple-choice"}
    )


def test_the_scorer_gives_mmmus_verdicts_and_flags_its_random_picks() -> None:
    for v in VECTORS:
        result = _score(v)
        if v["expected_right"] is None:
            assert result.values == {"mmmu": 0.0} and result.flags == ("unparsed",), v
        else:
            assert result.values == {"mmmu": float(v["expected_right"])}, v


@pytest.mark.parametrize(
    ("response", "options", "expected"),
    [
        ("The answer is (B).", ["x", "y", "z"], "B"),
        ("B", ["x", "y", "z"], "B"),
        (".,B", ["x", "y", "z"], None),  # marks are trimmed one kind at a time: ",B" stays glued
        ("(A) first, but on reflection (C)", ["x", "y", "z"], "C"),  # the last one named wins
        ("I would say that the red apple is right", ["red apple", "pear"], "A"),  # > 5 words: text
        ("red apple", ["red apple", "pear"], None),  # 5 words or fewer: no text matching
    ],
)
def test_option_parsing_by_hand(response: str, options: list[str], expected: str | None) -> None:
    assert pick_option(response, options) == expected


def test_mmmu_pro_reads_the_letter_after_answer() -> None:
    assert pick_option("Reasoning about (A) ... Answer: C", ["x", "y", "z"], "mmmu_pro") == "C"
    assert pick_option("Reasoning about (A) ... Answer: C", ["x", "y", "z"], "mmmu") == "A"


def test_open_numbers_are_compared_rounded_and_texts_by_containment() -> None:
    assert open_answer_right(["12.97"], read_open_answer("So the pH is 12.974."))
    assert not open_answer_right(["12.97"], read_open_answer("So the pH is 12.98."))
    assert open_answer_right(["2000000"], read_open_answer("Therefore the total is 2,000,000"))
    assert open_answer_right(["embryonic"], read_open_answer("The stage is Embryonic"))


def test_list_references_as_mmmu_stores_them() -> None:
    scorer = build_scorer("mmmu")
    assert scorer.score("It is 3.429", ["['24/7', '3.429']"]).values["mmmu"] == 1.0
    assert scorer.score("It is 24/7", ["['24/7', '3.429']"]).values["mmmu"] == 1.0
    assert scorer.score("It is 5", ["['24/7', '3.429']"]).values["mmmu"] == 0.0


def test_registered_with_options() -> None:
    assert "mmmu" in scorer_registry
    assert isinstance(build_scorer("mmmu", {"variant": "mmmu_pro"}), MMMUScorer)
    with pytest.raises(InputError):
        build_scorer("mmmu", {"variant": "other"})
    with pytest.raises(InputError):
        build_scorer("mmmu", {"no_such_option": 1})


@pytest.mark.parametrize(
    "prediction", ["", "   ", "\x00", "🙂", "(" * 50, "1e999", "a" * 5000, "Answer:", "ß İ ﬁ"]
)
def test_bad_predictions_never_raise(prediction: str) -> None:
    scorer = build_scorer("mmmu")
    for targets, choices in [(["B"], ["x", "y", "z"]), (["12.5"], None), (["['a', 'b']"], None), ([], None)]:
        result = scorer.score(prediction, targets, choices=choices)
        assert set(result.values) == {"mmmu"} and math.isfinite(result.values["mmmu"])
        assert result.values["mmmu"] in (0.0, 1.0)
