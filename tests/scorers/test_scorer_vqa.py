"""VQAv2 accuracy against vqaEval.py (current revision), worked by hand from its rules."""

from __future__ import annotations

import pytest

from evals.errors import InputError
from evals.scorers.vqa import VQAAccuracy, process_answer, process_punctuation
from evals.scoring import build_scorer


def vqa(prediction: str, targets: list[str], **options: object) -> float:
    return VQAAccuracy.from_options(options).score(prediction, targets).values["vqa_accuracy"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("t-shirt", "t shirt"),  # '-' joined on both sides becomes a space (post-2021 list)
        ("t - shirt", "t  shirt"),  # a mark touching a space is dropped, spaces stay
        ("hello, world", "hello world"),
        ("red,blue", "red blue"),
        ("1,000", "1000"),  # digit,digit anywhere: every mark is dropped, none spaced
        ("2,000 (approx)", "2000 approx"),
        ("3.5", "3.5"),  # a period before a digit stays
        ("mr. smith", "mr smith"),
        ("e.g.", "eg"),
        ("yes!", "yes "),
        ("@home", " home"),
        ("yes:", "yes:"),  # ':' is not in the current list (it was before 2021)
        ("it's", "it's"),  # neither is the apostrophe
        ("#1", "#1"),  # '#' was never in the list
        ("a/b", "a b"),
        ("." * 40, "." * 8),  # re.UNICODE passed as count: only the first 32 periods go
        ("no marks here", "no marks here"),
    ],
)
def test_process_punctuation(raw: str, expected: str) -> None:
    assert process_punctuation(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The Two Dogs", "2 dogs"),
        ("none", "0"),
        ("Zero", "0"),
        ("ten", "10"),
        ("eleven", "eleven"),  # the number map stops at ten
        ("an apple", "apple"),
        ("a/b", "b"),  # the slash spaces out "a", which is then an article
        ("(a)", ""),
        ("dont", "don't"),
        ("Dont", "don't"),
        ("aint", "ain't"),
        ("ain't", "ain't"),
        ("couldn'tve", "couldn't've"),
        ("somebody'd", "somebodyd"),  # the table maps this one backwards; kept
        ("Im", "Im".lower()),  # the table's capitalised keys never fire after lower-casing
        ("yes\n", "yes"),
        ("\tyes no\t", "yes no"),
        ("yes!", "yes"),
        ("Yes.", "yes"),
        ("two.", "2"),
    ],
)
def test_process_answer(raw: str, expected: str) -> None:
    assert process_answer(raw) == expected


# Ten references; the answer matches `count` of them. Each leave-one-out subset scores
# min(1, matches among the other nine / 3); the mean of the ten subsets is the accuracy:
#   count 1: the matching annotator's subset has 0 others (0), nine subsets have 1 (1/3 each)
#            -> (0 + 9/3) / 10 = 0.3
#   count 2: two subsets with 1 other (1/3), eight with 2 (2/3) -> (2/3 + 16/3) / 10 = 0.6
#   count 3: three subsets with 2 (2/3), seven with 3 (1) -> (2 + 7) / 10 = 0.9
#   count 4: every subset has at least 3 -> 1.0
@pytest.mark.parametrize(("count", "expected"), [(0, 0.0), (1, 0.3), (2, 0.6), (3, 0.9), (4, 1.0), (10, 1.0)])
def test_leave_one_out_by_hand(count: int, expected: float) -> None:
    refs = ["yes"] * count + ["no"] * (10 - count)
    assert vqa("yes", refs) == pytest.approx(expected, abs=1e-12)


def test_worked_example_with_processing() -> None:
    # Humans: 2 x "2", 1 x "two" (not digit-processed: references only get punctuation), 7 x "3".
    refs = ["2", "2", "two", "3", "3", "3", "3", "3", "3", "3"]
    # "Two" -> "2": matches the two "2" annotators only -> 0.6
    assert vqa("Two", refs) == pytest.approx(0.6)
    # "three!" -> "3": seven matches -> 1.0
    assert vqa("three!", refs) == 1.0


def test_unanimous_references_are_not_processed() -> None:
    # vqaEval.py leaves unanimous answers untouched; the answer "t-shirt" becomes "t shirt".
    assert vqa("t-shirt", ["t-shirt"] * 10) == 0.0
    assert vqa("t-shirt", ["t-shirt"] * 10, reference_processing="full") == 1.0
    # Disagreeing references are punctuation-processed, so the same answer then matches.
    assert vqa("t-shirt", ["t-shirt"] * 9 + ["shirt"]) == 1.0
    # References never get digit/article processing: "two" is not "2".
    assert vqa("two", ["two"] * 10) == 0.0
    assert vqa("two", ["two"] * 9 + ["three"]) == 0.0
    assert vqa("two", ["two"] * 9 + ["three"], reference_processing="full") == 1.0


def test_answer_processing_applies_before_matching() -> None:
    refs = ["yes"] * 10
    for answer in ["Yes", "yes.", " yes ", "YES!", "yes\n"]:
        assert vqa(answer, refs) == 1.0, answer
    assert vqa("yes, it is", refs) == 0.0


def test_oracle_answer_is_perfect_with_four_or_more() -> None:
    # The oracle answers the most frequent reference (first seen on ties).
    assert vqa("red", ["red"] * 4 + ["blue"] * 3 + ["green"] * 3) == 1.0
    assert vqa("red", ["red", "red", "red", "blue", "blue", "blue", "x", "y", "z", "w"]) == pytest.approx(0.9)


def test_fewer_than_ten_references_match_any() -> None:
    assert vqa("Two", ["2"]) == 1.0
    assert vqa("dog", ["cat", "dog", "cat"]) == 1.0
    assert vqa("cow", ["cat", "dog", "cat"]) == 0.0
    result = VQAAccuracy().score("the cat", ["Cat"])
    assert result.details["rule"] == "match_any" and result.values["vqa_accuracy"] == 1.0


def test_consensus_threshold_option() -> None:
    # Forcing the leave-one-out on three references: two matching -> subsets 1/3, 1/3, 2/3.
    assert vqa("cat", ["cat", "cat", "dog"], consensus_min_references=3) == pytest.approx(
        (1 / 3 + 1 / 3 + 2 / 3) / 3
    )
    # With a single reference the leave-one-out leaves nobody to agree with: always 0.
    assert vqa("cat", ["cat"], consensus_min_references=1) == 0.0


def test_more_than_ten_references_use_the_same_formula() -> None:
    # 12 references, 3 matching: 3 subsets with 2 others (2/3), 9 with 3 (1) -> (2 + 9) / 12
    assert vqa("cat", ["cat"] * 3 + ["dog"] * 9) == pytest.approx(11 / 12)


def test_details_and_no_reference() -> None:
    result = VQAAccuracy().score("Two", ["2"] * 10)
    assert result.details == {"answer": "2", "n_references": 10, "rule": "consensus", "matches": 10}
    empty = VQAAccuracy().score("x", [])
    assert empty.values == {"vqa_accuracy": 0.0} and empty.flags == ("no_reference",)


def test_options_are_validated() -> None:
    with pytest.raises(InputError):
        build_scorer("vqa_accuracy", {"reference_processing": "lmms"})
    with pytest.raises(InputError):
        build_scorer("vqa_accuracy", {"consensus_min_references": 0})
