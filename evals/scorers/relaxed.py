"""ChartQA relaxed accuracy: numbers within 5% of the reference, anything else by exact match.

`relaxed_accuracy` is google-research/pix2struct `metrics.py::relaxed_correctness`, quirks and all
(tests/scorers/golden/ proves agreement): strings compared as given (no strip: "Yes " is not
"Yes"), only strings Python's float() takes are numbers ("1,234" and "$5" are not), a trailing
"%" divides by 100 (so "50%" equals "0.5" but not "50"), and a zero reference is compared as text
("0" ≠ "0.0"). `strip: true` (ours, off by default) trims both sides first.
`relaxed_accuracy_lenient` is ours, named apart: it also reads thousands separators, currency,
units and percentages written either way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from evals.scorers._text import ANSWER_CUE, clean_answer, fold
from evals.scoring import Metric, SampleScore, ScorerOptions, TextScorer


def pix2struct_float(text: str) -> float | None:
    """pix2struct's `_to_float`: float(text), or float(text without trailing '%') / 100."""
    try:
        if text.endswith("%"):
            return float(text.rstrip("%")) / 100.0
        return float(text)
    except ValueError:
        return None


def relaxed_correctness(target: str, prediction: str, max_relative_change: float = 0.05) -> bool:
    """pix2struct's rule: relative change to the target ≤ tolerance, else case-insensitive equality."""
    predicted = pix2struct_float(prediction)
    expected = pix2struct_float(target)
    if predicted is not None and expected:  # a zero (or unparsable) target falls back to text
        return abs(predicted - expected) / abs(expected) <= max_relative_change
    return prediction.lower() == target.lower()


def relaxed_accuracy(
    prediction: str, targets: Sequence[str], max_relative_change: float = 0.05, strip: bool = False
) -> bool:
    """pix2struct's ChartQA score of one answer: right against any reference (its max over them)."""
    answer = prediction.strip() if strip else prediction
    refs = [t.strip() for t in targets] if strip else targets
    return any(relaxed_correctness(t, answer, max_relative_change) for t in refs)


class RelaxedOptions(ScorerOptions):
    max_relative_change: float = Field(0.05, ge=0.0, description="tolerance relative to the reference")
    strip: bool = Field(
        False,
        description="trim surrounding whitespace from both sides first (ours; pix2struct and "
        "lmms-eval compare as given, so 'Yes ' is not 'Yes' and '50%\\n' is text)",
    )


class RelaxedAccuracy(TextScorer):
    """ChartQA relaxed accuracy exactly as pix2struct computes it (best over the references)."""

    name = "relaxed_accuracy"
    Options = RelaxedOptions
    options: RelaxedOptions

    metric = Metric(
        name="relaxed_accuracy",
        binary=True,
        description="numeric answers within 5% of the reference, others by exact match "
        "(pix2struct relaxed_correctness)",
    )

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        if not targets:
            return SampleScore({"relaxed_accuracy": 0.0}, {}, ("no_reference",))
        hit = relaxed_accuracy(prediction, targets, self.options.max_relative_change, self.options.strip)
        answer = prediction.strip() if self.options.strip else prediction
        details = {"prediction_value": _finite_or_none(pix2struct_float(answer))}
        return SampleScore({"relaxed_accuracy": 1.0 if hit else 0.0}, details)


# --- the lenient variant -------------------------------------------------------------------

_LENIENT_NUMBER = re.compile(
    r"""^(?:approximately|approx\.?|about|around|roughly|nearly|~|≈)?\s*
    (?P<sign>[-+−–]?)\s*
    (?:[$€£¥₹]|(?:us|usd|eur|gbp|rs|inr)\b\.?\s*|us\$)?\s*
    (?P<sign2>[-+−]?)
    (?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    (?:[eE](?P<exp>[-+]?\d+))?
    \s*(?P<pct>%|percent\b|per\s*cent\b|pct\b|percentage\s+points?\b)?
    \s*(?P<unit>(?:[^\W\d_][^\s\d]*\s*){0,3})$""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class LenientNumber:
    value: float
    percent: bool


def lenient_number(text: str) -> LenientNumber | None:
    """A number with optional sign, currency, thousands separators, %, and up to three unit words."""
    m = _LENIENT_NUMBER.match(text.strip().rstrip("."))
    if m is None:
        return None
    value = float(m.group("digits").replace(",", "") + (f"e{m.group('exp')}" if m.group("exp") else ""))
    if (m.group("sign") or m.group("sign2")) in ("-", "−", "–"):
        value = -value
    if not math.isfinite(value):
        return None
    return LenientNumber(value, bool(m.group("pct")))


def _close(predicted: float, expected: float, tol: float) -> bool:
    if expected == 0:
        return predicted == 0
    return abs(predicted - expected) / abs(expected) <= tol


def lenient_correct(target: str, prediction: str, tol: float = 0.05) -> bool:
    """Within tolerance as numbers (a % on one side only may mean either x or x/100), else folded text."""
    predicted, expected = lenient_number(prediction), lenient_number(target)
    if predicted is None or expected is None:
        return fold(prediction) == fold(target)
    if predicted.percent == expected.percent:
        return _close(predicted.value, expected.value, tol)
    if predicted.percent:
        return any(_close(p, expected.value, tol) for p in (predicted.value, predicted.value / 100))
    return any(_close(predicted.value, t, tol) for t in (expected.value, expected.value / 100))


def _final_answer(text: str) -> str:
    """The text after the last "Answer:"-style cue, or the whole (cleaned) answer."""
    text = clean_answer(text)
    cues = list(ANSWER_CUE.finditer(text))
    return text[cues[-1].end() :].strip() if cues else text


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


class LenientRelaxedAccuracy(TextScorer):
    """Relaxed accuracy that also reads "1,234", "$5", "12 kg", "45%" vs "0.45"; not pix2struct's."""

    name = "relaxed_accuracy_lenient"
    Options = RelaxedOptions
    options: RelaxedOptions

    metric = Metric(
        name="relaxed_accuracy_lenient",
        binary=True,
        description="relaxed accuracy after reading separators, currency, units and "
        "percentages either way (ours; not comparable with published ChartQA numbers)",
    )

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        if not targets:
            return SampleScore({"relaxed_accuracy_lenient": 0.0}, {}, ("no_reference",))
        tol = self.options.max_relative_change
        answer = _final_answer(prediction)
        hit = any(lenient_correct(t, answer, tol) for t in targets)
        parsed = lenient_number(answer)
        details = {"answer": answer, "prediction_value": parsed.value if parsed else None}
        return SampleScore({"relaxed_accuracy_lenient": 1.0 if hit else 0.0}, details)
