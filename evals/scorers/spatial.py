"""Spatial reasoning accuracy: left/right, above/below, in front of/behind, with synonyms.

The reference decides how the answer is read: a relation ("left", "under", "in front of"), yes/no,
or, when the sample has options, multiple choice. Relations are found as whole phrases; one
under a negation in its clause ("not on the left") does not count, "right" as an intensifier
or a verdict ("right behind", "that's right") is no relation, and an answer affirming both
sides of one axis ("left … no, right", "left and right") is `contradictory` and wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from evals.references import most_common
from evals.scorers._options import letter, read_choice, resolve_reference
from evals.scorers._text import Reading, clean_answer, fold, phrase_pattern
from evals.scorers._yesno import read_yes_no
from evals.scorers.choice import label_score
from evals.scoring import Metric, SampleScore, TextScorer

SYNONYMS: dict[str, tuple[str, ...]] = {
    "left": ("left", "leftmost", "left-hand", "left hand", "left side"),
    "right": ("right", "rightmost", "right-hand", "right hand", "right side"),
    "above": ("above", "over", "on top of", "on top", "atop", "higher than", "higher", "top", "upper"),
    "below": ("below", "under", "underneath", "beneath", "lower than", "lower", "bottom"),
    "front": ("in front of", "in front", "front", "ahead of"),
    "behind": ("behind", "in back of", "at the back of", "in the back", "at the back", "back of"),
}
OPPOSITE = {"left": "right", "right": "left", "above": "below", "below": "above"} | {
    "front": "behind",
    "behind": "front",
}
_PHRASE_LABEL = {phrase: label for label, phrases in SYNONYMS.items() for phrase in phrases}
_MENTION = re.compile(
    "|".join(phrase_pattern(p) for p in sorted(_PHRASE_LABEL, key=len, reverse=True)), re.IGNORECASE
)
# "right" that is an intensifier ("right behind", "right now") or a verdict ("that's right").
_NOT_A_SIDE = re.compile(
    r"(?:\b(?:that's|that\s+is|you're|you\s+are|all|quite|exactly)\s+right\b|^right\b(?=\s*[,.!])"
    r"|\bright(?=\s+(?:next|beside|behind|above|below|under|beneath|in|on|at|by|there|here|now|away|"
    r"over|up|down|across|along|before|after)\b))",
    re.IGNORECASE,
)
_NEGATORS = frozenset({"not", "never", "neither", "nor", "without", "instead", "rather", "no"})
_CLAUSE_BREAK = re.compile(r"[.;:!?,]|\bbut\b|\bwhile\b|\bwhereas\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_WINDOW = 4  # words back from a relation that a negation reaches


def _negated(text: str, start: int) -> bool:
    """A negation among the few words before `start`, within its clause ("isn't on the left")."""
    clause = text[:start]
    breaks = list(_CLAUSE_BREAK.finditer(clause))
    if breaks:
        clause = clause[breaks[-1].end() :]
    words = _WORD.findall(clause.lower())[-_WINDOW:]
    return any(w in _NEGATORS or w.endswith("n't") for w in words)


def relations(answer: str) -> list[str]:
    """The relations an answer affirms, in order (negated mentions left out)."""
    text = clean_answer(answer)
    skip = [(m.start(), m.end()) for m in _NOT_A_SIDE.finditer(text)]
    found: list[str] = []
    for m in _MENTION.finditer(text):
        if any(s <= m.start() < e for s, e in skip):
            continue
        if not _negated(text, m.start()):
            found.append(_PHRASE_LABEL[" ".join(m.group().lower().split())])
    return found


def read_relation(answer: str, expected: str | None = None) -> Reading:
    """The relation an answer gives; `expected` wins when the answer also names another axis."""
    found = relations(answer)
    if not found:
        return Reading.failed("unparsed", "no relation")
    if any(OPPOSITE[label] in found for label in found):
        return Reading.failed("contradictory", "both sides of one axis")
    if expected in found:
        return Reading(expected, how="relation")
    return Reading(found[0], how="relation")


class SpatialAccuracy(TextScorer):
    """Accuracy on spatial questions answered by a relation, yes/no, or an option."""

    name = "spatial_accuracy"

    metric = Metric(
        name="spatial_accuracy",
        binary=True,
        description="share of answers with the reference's relation (left/right, "
        "above/below, front/behind, synonyms), yes/no or option",
    )

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        metric = "spatial_accuracy"
        if not targets:
            return SampleScore({metric: 0.0}, {}, ("no_reference",))
        target = most_common(targets)
        relation = read_relation(target)
        # Yes/no before options: yes/no rows often carry the options ["yes", "no"] for the prompt.
        if relation.label is None and (polarity := read_yes_no(target).label) is not None:
            return label_score(metric, read_yes_no(prediction), [polarity], polarity, mode="yes_no")
        if choices and (option := resolve_reference(target, choices)) is not None:
            return label_score(metric, _read_option(prediction, choices), [option], option, mode="choice")
        if relation.label is not None:
            reading = read_relation(prediction, relation.label)
            return label_score(metric, reading, [relation.label], relation.label, mode="relation")
        # A reference we cannot classify ("next to"): folded text equality, no labels recorded.
        hit = fold(prediction) == fold(target) and bool(fold(target))
        return SampleScore({metric: 1.0 if hit else 0.0}, {"mode": "text"})


def _read_option(answer: str, choices: Sequence[str]) -> Reading:
    """An option by letter, by its text, or by the relation said: "beneath it" picks "below".

    A letter or an explicit statement is trusted; otherwise, when the options are relations,
    the relation reading (which knows negation and contradiction) decides.
    """
    reading = read_choice(answer, choices)
    if reading.label is not None and reading.how != "mention":
        return reading
    labels = [read_relation(option).label for option in choices]
    said = read_relation(answer)
    if said.failure == "contradictory" and any(labels):
        return said
    matching = [i for i, label in enumerate(labels) if label is not None and label == said.label]
    if len(matching) == 1:
        return Reading(letter(matching[0]), how="relation of an option")
    return reading
