"""Counting: the number an answer gives, compared with the true count three ways.

`count_exact` (right or wrong), `count_off_by_one` (|error| ≤ 1) and `count_abs_error`. The number
is read with `_numbers.find_numbers` (digits and words, whole tokens only); after reasoning text
the final answer wins: an explicit statement ("Answer: 7"), then a total ("so 5 in total"),
then the last number written. An answer with no number is flagged `unparsed` and is wrong; it
has no absolute error, so `count_abs_error` is left out of its values and that metric's mean
(and its n) covers the parsed answers only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evals.references import most_common
from evals.scorers._numbers import Number, find_numbers
from evals.scorers._text import ANSWER_CUE, clean_answer
from evals.scoring import Metric, SampleScore, TextScorer

# Words that introduce a conclusion or a total: the number right after them is the answer.
_TOTAL_BEFORE = re.compile(
    r"\b(?:total(?:\s+(?:number|count)(?:\s+of\s+\w+)?)?\s*(?:of|is|:|=|are|comes\s+to)"
    r"|so|therefore|thus|hence|overall|altogether|in\s+total|in\s+all|sum(?:s\s+to|\s+is)?"
    r"|equals|makes|gives)\b\s*:?|=",
    re.IGNORECASE,
)
# Words that follow a total: "5 in total", "5 balls altogether", or a breakdown "4 balls: 2 red…".
_TOTAL_AFTER = re.compile(
    r"\s*(?:[a-z-]+\s*){0,3}?(?:(?:in\s+total|total|altogether|in\s+all|overall)\b|:(?!\d))",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(r"[.!?;\n]\s")
_MAX_GAP = 40  # characters between a cue and its number


@dataclass(frozen=True, slots=True)
class CountReading:
    value: float | None
    how: str


def _after(cue_end: int, numbers: list[Number], text: str) -> Number | None:
    """The first number shortly after a cue, in the same sentence."""
    for number in numbers:
        if number.start >= cue_end:
            gap = text[cue_end : number.start]
            if len(gap) <= _MAX_GAP and not _SENTENCE_BREAK.search(gap + " "):
                return number
            return None
    return None


def read_count(answer: str) -> CountReading:
    """The count an answer gives, or None when it gives none."""
    text = clean_answer(answer)
    numbers = find_numbers(text)
    if not numbers:
        return CountReading(None, "no number")
    for cue in reversed(list(ANSWER_CUE.finditer(text))):
        number = _after(cue.end(), numbers, text)
        if number is not None:
            return CountReading(number.value, "answer statement")
    totals: list[tuple[int, Number]] = []
    for cue in _TOTAL_BEFORE.finditer(text):
        number = _after(cue.end(), numbers, text)
        if number is not None:
            totals.append((cue.start(), number))
    totals.extend((n.start, n) for n in numbers if _TOTAL_AFTER.match(text, n.end))
    if totals:
        return CountReading(max(totals, key=lambda t: t[0])[1].value, "total")
    return CountReading(numbers[-1].value, "last number" if len(numbers) > 1 else "number")


class CountScorer(TextScorer):
    """Counting accuracy: exact, off by at most one, and the absolute error of the count."""

    name = "count"

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (
            Metric(name="count_exact", binary=True, description="share of answers with the exact count"),
            Metric(
                name="count_off_by_one", binary=True, description="share of answers within one of the count"
            ),
            Metric(
                name="count_abs_error",
                higher_is_better=False,
                description="mean |answer − count| over the answers that give a number",
            ),
        )

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        wrong = {"count_exact": 0.0, "count_off_by_one": 0.0}
        if not targets:
            return SampleScore(wrong, {}, ("no_reference",))
        reference = read_count(most_common(targets)).value
        reading = read_count(prediction)
        details: dict[str, Any] = {"reference": reference, "predicted": reading.value, "how": reading.how}
        if reference is None:
            return SampleScore(wrong, details, ("bad_reference",))
        if reading.value is None:
            return SampleScore(wrong, details, ("unparsed",))
        error = abs(reading.value - reference)
        details["error"] = reading.value - reference
        return SampleScore(
            {
                "count_exact": 1.0 if error == 0 else 0.0,
                "count_off_by_one": 1.0 if error <= 1 else 0.0,
                "count_abs_error": error,
            },
            details,
        )
