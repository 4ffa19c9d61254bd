"""Counting: the number parser and the three metrics."""

from __future__ import annotations

import pytest

from evals.scorers.counting import CountScorer, read_count


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("5", 5),
        ("12", 12),
        ("There are 12 apples.", 12),
        ("twenty-three", 23),
        ("Twenty three", 23),
        ("forty-two", 42),
        ("ninety nine", 99),
        ("one hundred", 100),
        ("a hundred", 100),
        ("two hundred and five", 205),
        ("a dozen", 12),
        ("half a dozen", 6),
        ("zero", 0),
        ("none", 0),
        ("None.", 0),
        ("No", 0),
        ("There are no cats.", 0),
        ("nothing", 0),
        ("I see two.", 2),
        ("There is one cat.", 1),
        ("No, there are three.", 3),  # the interjection is not a count
        ("1,000", 1000),
        ("2.5", 2.5),
        ("Answer: 7", 7),
        ("I count 3 cats and 4 dogs. Answer: 7.", 7),
        ("I see 3 red and 2 blue, so 5 in total", 5),
        ("There are 3 red balls and 2 blue balls, 5 balls in total.", 5),
        ("There are 4 balls: 2 red and 2 blue.", 4),
        ("3 + 2 = 5", 5),
        ("The total number of apples is 9.", 9),
        ("Final answer: **8**", 8),
        ("\\boxed{6}", 6),
        ("Let me count: 1, 2, 3. There are 3.", 3),
        ("There are 2 cats and 1 dog", 1),  # no cue: the last number written
    ],
)
def test_read_count(answer: str, expected: float) -> None:
    assert read_count(answer).value == expected


@pytest.mark.parametrize("answer", ["", "I cannot count them.", "3rd", "x2", "many", "several"])
def test_no_number(answer: str) -> None:
    assert read_count(answer).value is None


def score(prediction: str, target: str) -> dict[str, float]:
    return CountScorer().score(prediction, [target]).values


def test_metrics() -> None:
    assert score("5", "5") == {"count_exact": 1.0, "count_off_by_one": 1.0, "count_abs_error": 0.0}
    assert score("six", "5") == {"count_exact": 0.0, "count_off_by_one": 1.0, "count_abs_error": 1.0}
    assert score("3", "5") == {"count_exact": 0.0, "count_off_by_one": 0.0, "count_abs_error": 2.0}
    assert score("none", "0") == {"count_exact": 1.0, "count_off_by_one": 1.0, "count_abs_error": 0.0}
    assert score("2.5", "2") == {"count_exact": 0.0, "count_off_by_one": 1.0, "count_abs_error": 0.5}


def test_no_substring_matching() -> None:
    # "12" contains "2" but is twelve: wrong, and eleven away.
    assert score("12", "2") == {"count_exact": 0.0, "count_off_by_one": 0.0, "count_abs_error": 10.0}
    assert score("There are 21.", "2")["count_exact"] == 0.0


def test_unparsed_is_wrong_and_has_no_abs_error() -> None:
    result = CountScorer().score("lots of them", ["4"])
    assert result.values == {"count_exact": 0.0, "count_off_by_one": 0.0}
    assert "count_abs_error" not in result.values
    assert result.flags == ("unparsed",)


def test_references_in_words_and_oracle() -> None:
    assert score("3", "three")["count_exact"] == 1.0
    oracle = CountScorer().score("4", ["4", "4", "5"])  # the oracle answers the most frequent
    assert oracle.values["count_exact"] == 1.0
    assert CountScorer().score("4", ["lots"]).flags == ("bad_reference",)
    assert CountScorer().score("4", []).flags == ("no_reference",)


def test_metric_declarations() -> None:
    metrics = {m.name: m for m in CountScorer().metrics}
    assert metrics["count_exact"].binary and metrics["count_off_by_one"].binary
    assert not metrics["count_abs_error"].higher_is_better
