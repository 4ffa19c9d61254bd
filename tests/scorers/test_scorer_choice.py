"""Multiple choice and yes/no: reading the answer out of free text, labels and flags."""

from __future__ import annotations

import pytest

from evals.scorers.choice import MultipleChoice, YesNo
from evals.scoring import SampleScore

OPTIONS = ["Paris", "London", "Berlin", "dark red"]


def mc(prediction: str, target: str = "B", choices: list[str] | None = OPTIONS) -> SampleScore:
    return MultipleChoice().score(prediction, [target], choices=choices)


@pytest.mark.parametrize(
    "answer",
    [
        "B",
        "b",
        "(B)",
        "B.",
        "B)",
        "[B]",
        "Answer: B",
        "answer: b",
        "The answer is B",
        "The answer is (B).",
        "The correct option is B because it is the capital.",
        "I choose B",
        "I chose (B).",
        "Final answer: **B**",
        "\\boxed{B}",
        "<answer>B</answer>",
        "B. London",
        "(B) London",
        "London",
        "london.",
        "The answer is London.",
        "I think it is London.",
        "Option A is wrong; option B is correct.",
        "B is correct",
        "Looking at the map, the city shown is clearly B.",
    ],
)
def test_reads_option_b(answer: str) -> None:
    result = mc(answer)
    assert result.values == {"multiple_choice": 1.0}, result.details
    assert result.details["predicted_label"] == "B" and result.details["reference_label"] == "B"
    assert result.flags == ()


@pytest.mark.parametrize(
    "answer",
    ["C", "Berlin", "The answer is C", "(c)", "Answer: Berlin"],
)
def test_reads_another_option(answer: str) -> None:
    result = mc(answer)
    assert result.values == {"multiple_choice": 0.0}
    assert result.details["predicted_label"] == "C" and result.flags == ()


@pytest.mark.parametrize(
    "answer",
    ["", "I don't know", "E", "The answer is E", "A cat sat on the mat", "none of these"],
)
def test_unparsed(answer: str) -> None:
    result = mc(answer)
    assert result.values == {"multiple_choice": 0.0}
    assert result.flags == ("unparsed",) and result.details["predicted_label"] is None
    assert result.details["parse_failure"] == "unparsed"


@pytest.mark.parametrize(
    "answer",
    [
        "Paris or London",
        "B or C",
        "The answer is B. Final answer: C",
        "A. London",  # the letter and the text name different options
        "(B) and (C) are both plausible",
        "The answers could be B or C",  # "answers" is no answer cue
    ],
)
def test_ambiguous(answer: str) -> None:
    result = mc(answer)
    assert result.values == {"multiple_choice": 0.0} and result.flags == ("ambiguous",)


def test_longer_option_text_wins() -> None:
    options = ["red", "dark red", "blue"]
    assert mc("It is dark red.", "B", options).details["predicted_label"] == "B"
    assert mc("It is red.", "A", options).details["predicted_label"] == "A"


def test_references_as_text_or_letter() -> None:
    assert mc("B", "London").values == {"multiple_choice": 1.0}
    assert mc("London", "b").values == {"multiple_choice": 1.0}
    assert mc("B", "(B)").values == {"multiple_choice": 1.0}
    bad = mc("B", "Madrid")
    assert bad.flags == ("bad_reference",) and "reference_label" not in bad.details


def test_without_choices() -> None:
    assert mc("The answer is C", "C", None).values == {"multiple_choice": 1.0}
    assert mc("Z", "Z", None).values == {"multiple_choice": 1.0}
    # No options and a text reference: folded text equality.
    assert mc("Paris.", "paris", None).values == {"multiple_choice": 1.0}
    assert mc("", "paris", None).flags == ("unparsed",)


def test_oracle_answers() -> None:
    # The oracle sends the most frequent reference, a letter or an option's text.
    for target in ["C", "Berlin"]:
        assert MultipleChoice().score(target, [target], choices=OPTIONS).values["multiple_choice"] == 1.0
    assert MultipleChoice().score("C", ["C", "Berlin"], choices=OPTIONS).values["multiple_choice"] == 1.0


def yn(prediction: str, target: str = "yes", **options: object) -> SampleScore:
    return YesNo.from_options(options).score(prediction, [target])


@pytest.mark.parametrize(
    "answer",
    [
        "yes",
        "Yes.",
        "YES",
        "Yeah",
        "Yep!",
        "True",
        "Correct.",
        "That is correct.",
        "That's right.",
        "Absolutely!",
        "Sure, there is one.",
        "Yes, there is a dog.",
        "Yes, there is no doubt about it.",  # "no" as a determiner is not an answer
        "Yes, but no cat.",
        "I think yes",
        "The answer is yes.",
        "The correct answer is yes.",
        "Not false.",
        "**Yes**",
    ],
)
def test_yes(answer: str) -> None:
    result = yn(answer, "yes")
    assert result.values == {"yes_no": 1.0}, result.details
    assert result.details["predicted_label"] == "yes" and result.flags == ()


@pytest.mark.parametrize(
    "answer",
    [
        "no",
        "No.",
        "Nope",
        "False",
        "Incorrect.",
        "That is not correct.",
        "Not true",
        "No, there is no dog.",
        "There is no dog in the image.",
        "There isn't a dog.",
        "Certainly not.",
        "Not at all",
        "The answer is no.",
        "No, it is not.",
    ],
)
def test_no(answer: str) -> None:
    result = yn(answer, "no")
    assert result.values == {"yes_no": 1.0}, result.details
    assert result.details["predicted_label"] == "no"


@pytest.mark.parametrize("answer", ["Yes and no.", "Yes. No wait, no.", "No... yes.", "yes or no"])
def test_contradictory(answer: str) -> None:
    result = yn(answer, "yes")
    assert result.values == {"yes_no": 0.0} and result.flags == ("contradictory",)
    assert result.details["predicted_label"] is None


@pytest.mark.parametrize(
    "answer",
    ["", "I am not sure.", "I cannot tell from the image.", "It depends.", "There is a dog.", "maybe"],
)
def test_unparsed_yes_no(answer: str) -> None:
    result = yn(answer, "yes")
    assert result.values == {"yes_no": 0.0} and result.flags == ("unparsed",)


def test_not_yes_no_words_in_context() -> None:
    # "right" as a side, "correct" as an adjective: no verdict.
    assert yn("It is on the right.").flags == ("unparsed",)
    assert yn("It is true that it rains").flags == ("unparsed",)


def test_implicit_yes_option() -> None:
    assert yn("There is a dog.", implicit_yes=True).values == {"yes_no": 1.0}
    assert yn("There is no dog.", "no", implicit_yes=True).values == {"yes_no": 1.0}
    assert yn("I am not sure.", implicit_yes=True).flags == ("unparsed",)


def test_references() -> None:
    assert yn("yes", "Yes").values == {"yes_no": 1.0}
    assert yn("no", "False").values == {"yes_no": 1.0}
    assert YesNo().score("yes", ["yes", "no", "yes"]).values == {"yes_no": 1.0}  # most frequent
    bad = yn("yes", "purple")
    assert bad.flags == ("bad_reference",) and "reference_label" not in bad.details
    assert YesNo().score("yes", []).flags == ("no_reference",)
