"""Exact match after a configurable normalisation."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from typing import Any

from evals.scoring import Metric, SampleScore, Scorer, ScorerOptions

_PUNCT = str.maketrans("", "", string.punctuation)
_SPACE = re.compile(r"\s+")


class ExactMatchOptions(ScorerOptions):
    case_sensitive: bool = False
    strip_punctuation: bool = True
    normalize_whitespace: bool = True


def normalize(text: str, options: ExactMatchOptions) -> str:
    if not options.case_sensitive:
        text = text.lower()
    if options.strip_punctuation:
        text = text.translate(_PUNCT)
    if options.normalize_whitespace:
        text = _SPACE.sub(" ", text)
    return text.strip()


class ExactMatch(Scorer):
    """1 when the normalised prediction equals any normalised reference, else 0."""

    name = "exact_match"
    Options = ExactMatchOptions
    options: ExactMatchOptions

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (Metric("exact_match", binary=True, description="share of exact matches"),)

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        guess = normalize(prediction, self.options)
        hit = any(guess == normalize(t, self.options) for t in targets)
        return SampleScore({"exact_match": 1.0 if hit else 0.0})
