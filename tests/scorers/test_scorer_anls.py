"""ANLS against the official DocVQA/InfographicVQA script's arithmetic, worked by hand."""

from __future__ import annotations

import pytest

from evals.errors import InputError
from evals.scorers.anls import ANLS
from evals.scoring import build_scorer


def anls(prediction: str, targets: list[str], **options: object) -> float:
    return ANLS.from_options(options).score(prediction, targets).values["anls"]


@pytest.mark.parametrize(
    ("prediction", "targets", "expected"),
    [
        ("hello", ["hello"], 1.0),
        ("Hello", ["hELLo"], 1.0),  # case-insensitive
        ("  hello   world ", ["hello world"], 1.0),  # edges stripped, inner runs collapsed
        ("hello\tworld\n", ["hello world"], 1.0),
        ("hallo", ["hello"], 0.8),  # 1 edit / 5
        ("ac", ["ab"], 0.5),  # 1 / 2: exactly at the threshold is kept
        ("abxy", ["abcd"], 0.5),  # 2 / 4
        ("abxyz", ["abcde"], 0.0),  # 3 / 5 -> 0.4 < 0.5
        ("axy", ["abc"], 0.0),  # 2 / 3 -> 0.33
        ("", ["abc"], 0.0),
        ("", [""], 1.0),  # both empty: distance 0 by the script's length-0 rule
        ("abc", [""], 0.0),
        ("hallo", ["xyz", "hello", "help"], 0.8),  # best over the references
        ("1,000", ["1000"], 0.8),  # no punctuation handling in ANLS
    ],
)
def test_anls_cases(prediction: str, targets: list[str], expected: float) -> None:
    assert anls(prediction, targets) == pytest.approx(expected)


def test_length_is_taken_from_the_raw_strings() -> None:
    # The script divides the distance of the normalised strings by max(len(raw.upper())):
    # "  abc  " (7 characters) vs "abd": distance 1, length 7 -> 6/7, not 1 - 1/3.
    assert anls("  abc  ", ["abd"]) == pytest.approx(6 / 7)
    # str.upper() can lengthen a string: "ß".upper() == "SS", so "s" vs "ß" is 1 - 1/2.
    assert anls("s", ["ß"]) == pytest.approx(0.5)


def test_threshold_option_and_details() -> None:
    assert anls("hallo", ["hello"], threshold=0.9) == 0.0
    assert anls("hallo", ["hello"], threshold=0.8) == pytest.approx(0.8)
    result = ANLS().score("abxyz", ["zzzzz", "abcde"])
    assert result.values["anls"] == 0.0
    assert result.details == {"similarity": pytest.approx(0.4), "best_reference": 1}
    with pytest.raises(InputError):
        build_scorer("anls", {"threshold": 1.5})


def test_no_reference_is_flagged() -> None:
    result = ANLS().score("x", [])
    assert result.values == {"anls": 0.0} and result.flags == ("no_reference",)
