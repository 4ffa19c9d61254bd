"""VQAv2 accuracy against vqaEval.py (master and the 2017 revision), worked by hand from its rules.

Thousands more cases, scored by the scripts themselves: test_golden_vectors.py.
"""

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
        ("t-shirt", "t shirt"),  # '-' joined on both sides becomes a space
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
        ("yes:", "yes:"),  # ':' is not in the list (it was until July 2015)
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
    # Humans: 2 x "2", 1 x "two", 7 x "3". They disagree, so master processes them fully ("two"
    # becomes "2"); the 2017 script gave them punctuation processing only.
    refs = ["2", "2", "two", "3", "3", "3", "3", "3", "3", "3"]
    assert vqa("Two", refs) == pytest.approx(0.9)  # three humans said 2
    assert vqa("Two", refs, variant="vqaeval-2017") == pytest.approx(0.6)  # "two" is not "2"
    assert vqa("three!", refs) == 1.0


@pytest.mark.parametrize(
    ("answer", "references", "master", "old"),
    [
        # The cases: unanimous human answers are compared raw at master.
        ("two", ["two"] * 10, 1.0, 0.0),
        ("t-shirt", ["t-shirt"] * 10, 1.0, 0.0),
        ("Yes", ["yes"] * 10, 0.0, 1.0),
        # Disagreeing human answers get digit/article processing at master: all ten are "dog".
        ("dog", ["the dog"] * 8 + ["dog"] * 2, 1.0, 0.6),
        # Unanimity is judged after strip at master, before it in 2017.
        ("Yes", ["yes"] * 9 + ["yes "], 0.0, 1.0),
        (" yes ", ["yes"] * 10, 1.0, 1.0),
        ("yes.", ["yes"] * 10, 0.0, 1.0),
        ("yes.", ["yes"] * 9 + ["no"], 1.0, 1.0),
    ],
)
def test_master_and_2017_revisions(answer: str, references: list[str], master: float, old: float) -> None:
    assert vqa(answer, references) == pytest.approx(master)
    assert vqa(answer, references, variant="vqaeval-2017") == pytest.approx(old)


def test_full_reference_processing_option() -> None:
    for variant in ("vqaeval", "vqaeval-2017"):
        assert vqa("t-shirt", ["t-shirt"] * 10, variant=variant, reference_processing="full") == 1.0
        assert vqa("Yes", ["two"] * 10, variant=variant, reference_processing="full") == 0.0
        assert vqa("2", ["two"] * 9 + ["three"], variant=variant, reference_processing="full") == 1.0
    assert vqa("two", ["two"] * 9 + ["three"], variant="vqaeval-2017") == 0.0


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
    result = VQAAccuracy().score("Two", ["2"] * 9 + ["3"])
    assert result.details == {"answer": "2", "n_references": 10, "rule": "consensus", "matches": 9}
    raw = VQAAccuracy().score(" Two ", ["2"] * 10)  # unanimous: compared raw, after strip
    assert raw.details["answer"] == "Two" and raw.values["vqa_accuracy"] == 0.0
    empty = VQAAccuracy().score("x", [])
    assert empty.values == {"vqa_accuracy": 0.0} and empty.flags == ("no_reference",)


def test_options_are_validated() -> None:
    with pytest.raises(InputError):
        build_scorer("vqa_accuracy", {"reference_processing": "lmms"})
    with pytest.raises(InputError):
        build_scorer("vqa_accuracy", {"consensus_min_references": 0})
    with pytest.raises(InputError):
        build_scorer("vqa_accuracy", {"variant": "vqaeval-2016"})
