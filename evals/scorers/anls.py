"""ANLS as the official DocVQA / InfographicVQA evaluation script computes it (RRC, `evaluate_method`).

Per reference: the Levenshtein distance between the two answers after strip + lower-case +
whitespace collapse, divided by the longer of the two answers as given (not as normalised: the
script measures `len(answer.upper())` of the raw strings). The best reference wins; a similarity
below the threshold (0.5) scores 0, a similarity exactly at it is kept. tests/scorers/golden/
holds the script's own scores for thousands of answers; these functions agree with all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field
from rapidfuzz.distance import Levenshtein

from evals.scoring import Metric, SampleScore, ScorerOptions, TextScorer


def _normalise(text: str) -> str:
    return " ".join(text.strip().lower().split())


def normalized_distance(reference: str, prediction: str) -> float:
    """The script's normalised Levenshtein distance; 0.0 when both answers are empty."""
    length = max(len(reference.upper()), len(prediction.upper()))
    if length == 0:
        return 0.0
    return Levenshtein.distance(_normalise(reference), _normalise(prediction)) / length


def best_similarity(prediction: str, references: Sequence[str]) -> tuple[float, int]:
    """1 − the smallest normalised distance to a reference, and that reference's index."""
    distances = [normalized_distance(ref, prediction) for ref in references]
    best = min(range(len(distances)), key=distances.__getitem__)
    return 1 - distances[best], best


def anls(prediction: str, references: Sequence[str], threshold: float = 0.5) -> float:
    """The script's score of one answer: the best similarity, or 0 below the threshold."""
    similarity, _ = best_similarity(prediction, references)
    return 0.0 if similarity < threshold else similarity


class ANLSOptions(ScorerOptions):
    threshold: float = Field(0.5, ge=0.0, le=1.0, description="similarities below this score 0")


class ANLS(TextScorer):
    """Average Normalised Levenshtein Similarity (DocVQA, InfographicVQA, ST-VQA)."""

    name = "anls"
    Options = ANLSOptions
    options: ANLSOptions

    metric = Metric(
        name="anls",
        description="normalised Levenshtein similarity to the closest reference, 0 below "
        "0.5 (official DocVQA evaluation script)",
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
            return SampleScore({"anls": 0.0}, {}, ("no_reference",))
        similarity, best = best_similarity(prediction, targets)
        value = 0.0 if similarity < self.options.threshold else similarity
        return SampleScore({"anls": value}, {"similarity": similarity, "best_reference": best})
