"""Exact match after a configurable normalisation, applied the same way to both sides.

Defaults: case-insensitive, punctuation removed (ASCII and Unicode: “quotes”, dashes, …),
whitespace collapsed. Options add Unicode NFKC folding and SQuAD-style article removal.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from evals.scoring import Metric, SampleScore, ScorerOptions, TextScorer

_SPACE = re.compile(r"\s+")
_ARTICLES = re.compile(r"\b(?:a|an|the)\b", re.IGNORECASE)


class _PunctuationTable(dict[int, str | None]):
    """Deletes ASCII punctuation and every Unicode punctuation character (category P*)."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        out = None if char in string.punctuation or unicodedata.category(char).startswith("P") else char
        self[code] = out
        return out


_PUNCTUATION = _PunctuationTable()


class ExactMatchOptions(ScorerOptions):
    case_sensitive: bool = False
    strip_punctuation: bool = Field(True, description="remove ASCII and Unicode punctuation")
    normalize_whitespace: bool = True
    strip_articles: bool = Field(False, description="remove the words a, an, the (SQuAD-style)")
    unicode_nfkc: bool = Field(False, description="fold compatibility forms first (ﬁ → fi, full-width)")


def normalize(text: str, options: ExactMatchOptions) -> str:
    if options.unicode_nfkc:
        text = unicodedata.normalize("NFKC", text)
    if not options.case_sensitive:
        text = text.lower()
    if options.strip_punctuation:
        text = text.translate(_PUNCTUATION)
    if options.strip_articles:
        text = _ARTICLES.sub(" ", text)
    if options.normalize_whitespace:
        text = _SPACE.sub(" ", text)
    return text.strip()


class ExactMatch(TextScorer):
    """1 when the normalised prediction equals any normalised reference, else 0."""

    name = "exact_match"
    Options = ExactMatchOptions
    options: ExactMatchOptions

    metric = Metric(name="exact_match", binary=True, description="share of exact matches")

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        if not targets:
            return SampleScore({"exact_match": 0.0}, {}, ("no_reference",))
        guess = normalize(prediction, self.options)
        hit = any(guess == normalize(t, self.options) for t in targets)
        return SampleScore({"exact_match": 1.0 if hit else 0.0})
