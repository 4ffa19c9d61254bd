"""Spatial accuracy: relations with synonyms and negation, contradictions, yes/no and options."""

from __future__ import annotations

import pytest

from evals.scorers.spatial import SpatialAccuracy, relations
from evals.scoring import SampleScore


def spatial(prediction: str, target: str, choices: list[str] | None = None) -> SampleScore:
    return SpatialAccuracy().score(prediction, [target], choices=choices)


@pytest.mark.parametrize(
    ("answer", "target"),
    [
        ("left", "left"),
        ("Left.", "left"),
        ("It is on the left.", "left"),
        ("To the left of the box", "left"),
        ("the leftmost one", "left"),
        ("on the right-hand side", "right"),
        ("It is not on the left, it is on the right.", "right"),
        ("The cup is on the left side, not the right.", "left"),
        ("That's right, it is on the left", "left"),  # "that's right" is a verdict, not a side
        ("above", "above"),
        ("The lamp is over the table.", "above"),
        ("on top of the table", "above"),
        ("beneath", "below"),
        ("It is under the chair.", "below"),
        ("underneath the bed", "below"),
        ("in front of the car", "in front of"),
        ("in front", "front"),
        ("behind the tree", "behind"),
        ("right behind the box", "behind"),  # "right" as an intensifier
        ("above and to the left", "left"),  # another axis named as well: the asked one counts
        ("The cat is below the table", "under"),  # the reference uses a synonym
        ("**Left**", "left"),
    ],
)
def test_correct_relations(answer: str, target: str) -> None:
    result = spatial(answer, target)
    assert result.values == {"spatial_accuracy": 1.0}, result.details
    assert result.details["mode"] == "relation" and result.flags == ()


@pytest.mark.parametrize(
    ("answer", "target", "predicted"),
    [
        ("right", "left", "right"),
        ("behind", "in front of", "behind"),
        ("It is not on the left.", "right", None),
        ("above", "left", "above"),
    ],
)
def test_wrong_relations(answer: str, target: str, predicted: str | None) -> None:
    result = spatial(answer, target)
    assert result.values == {"spatial_accuracy": 0.0}
    assert result.details["predicted_label"] == predicted


@pytest.mark.parametrize(
    "answer",
    [
        "left ... no, right",
        "left and right",
        "It could be left or right.",
        "Left. Actually, right.",
        "above or below, hard to say",
    ],
)
def test_contradictory(answer: str) -> None:
    result = spatial(answer, "left" if "left" in answer else "above")
    assert result.values == {"spatial_accuracy": 0.0} and result.flags == ("contradictory",)
    assert result.details["predicted_label"] is None


@pytest.mark.parametrize("answer", ["", "I have no idea", "neither left nor right", "next to it"])
def test_unparsed(answer: str) -> None:
    result = spatial(answer, "left")
    assert result.values == {"spatial_accuracy": 0.0} and result.flags == ("unparsed",)


def test_labels_for_the_confusion_matrix() -> None:
    result = spatial("It is underneath.", "below")
    assert result.details["reference_label"] == "below" and result.details["predicted_label"] == "below"
    assert spatial("in front", "in front of").details["reference_label"] == "front"


def test_yes_no_references() -> None:
    assert spatial("Yes, it is on the left.", "yes").values == {"spatial_accuracy": 1.0}
    result = spatial("No, it is not above.", "no")
    assert result.values == {"spatial_accuracy": 1.0} and result.details["mode"] == "yes_no"
    assert spatial("Yes and no", "yes").flags == ("contradictory",)


def test_multiple_choice() -> None:
    options = ["above", "below", "left", "right"]
    assert spatial("B", "B", options).values == {"spatial_accuracy": 1.0}
    assert spatial("below", "B", options).values == {"spatial_accuracy": 1.0}
    # No option named, but the relation maps onto exactly one option.
    result = spatial("It is beneath it.", "below", options)
    assert result.values == {"spatial_accuracy": 1.0} and result.details["mode"] == "choice"
    assert spatial("C", "B", options).values == {"spatial_accuracy": 0.0}


def test_other_references_compare_as_text() -> None:
    assert spatial("Next to.", "next to").values == {"spatial_accuracy": 1.0}
    assert spatial("far", "next to").values == {"spatial_accuracy": 0.0}
    assert "reference_label" not in spatial("far", "next to").details


def test_relations_in_order() -> None:
    assert relations("The cup is above the plate and to the left of the bowl") == ["above", "left"]
    assert relations("not above, but below") == ["below"]


def test_yes_no_rows_with_yes_no_options() -> None:
    # The shipped spatial task gives yes/no rows the options ["yes", "no"].
    options = ["yes", "no"]
    assert spatial("Yes, there is no doubt.", "yes", options).values == {"spatial_accuracy": 1.0}
    assert spatial("Nope.", "no", options).values == {"spatial_accuracy": 1.0}
    result = spatial("Yes. No, wait: no.", "no", options)
    assert result.flags == ("contradictory",) and result.details["mode"] == "yes_no"


def test_relation_options_use_negation() -> None:
    options = ["right", "left", "below", "above"]
    assert spatial("It is above, not below.", "D", options).details["predicted_label"] == "D"
    assert spatial("above ... no, below", "D", options).flags == ("contradictory",)
    assert spatial("Answer: D", "D", options).values == {"spatial_accuracy": 1.0}
    assert spatial("The triangle is on top of the star.", "D", options).values == {"spatial_accuracy": 1.0}
