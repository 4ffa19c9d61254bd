"""Exact match and its normalisation options."""

from __future__ import annotations

import pytest

from evals.errors import InputError
from evals.scorers.exact_match import ExactMatch
from evals.scoring import build_scorer


def em(prediction: str, targets: list[str], **options: object) -> float:
    return ExactMatch.from_options(options).score(prediction, targets).values["exact_match"]


@pytest.mark.parametrize(
    ("prediction", "target", "expected"),
    [
        ("Paris", "paris", 1.0),
        ("Paris.", "paris", 1.0),
        ("  New   York ", "new york", 1.0),
        ("“Paris”", "Paris", 1.0),  # Unicode quotes are punctuation too
        ("Paris — France", "paris france", 1.0),
        ("Paris!", "London", 0.0),
        ("12", "2", 0.0),
        ("the cat", "cat", 0.0),  # articles stay unless asked
    ],
)
def test_defaults(prediction: str, target: str, expected: float) -> None:
    assert em(prediction, [target]) == expected


def test_options() -> None:
    assert em("Paris", ["paris"], case_sensitive=True) == 0.0
    assert em("Paris.", ["Paris"], strip_punctuation=False) == 0.0
    assert em("new  york", ["new york"], normalize_whitespace=False) == 0.0
    assert em("The cat", ["cat"], strip_articles=True) == 1.0
    assert em("ﬁne", ["fine"]) == 0.0
    assert em("ﬁne", ["fine"], unicode_nfkc=True) == 1.0
    assert em("ＡＢＣ", ["abc"], unicode_nfkc=True) == 1.0


def test_any_reference_and_no_reference() -> None:
    assert em("cat", ["dog", "Cat"]) == 1.0
    assert ExactMatch().score("cat", []).flags == ("no_reference",)
    with pytest.raises(InputError):
        build_scorer("exact_match", {"casefold": True})
