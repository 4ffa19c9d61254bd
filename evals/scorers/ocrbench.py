"""OCRBench's rule (Liu et al., 2023; Yuliang-Liu/MultimodalOCR `OCRBench/example.py`): an answer
is right when any reference is contained in it, after lower-casing, trimming and turning line
breaks into spaces; for handwritten formulas (the HME100k subset) case is kept and every space
is removed instead. The benchmark's score is the number right out of 1,000 (the task's
`capped_sum` aggregate). tests/data/golden_ocrbench/ holds vectors produced by running that code.

lmms-eval's copy also folds full-width ASCII (Ａ → A) before comparing; the official rule does
not, and neither does this scorer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from evals.scoring import Metric, SampleScore, ScorerOptions, TextScorer


def _folded(text: str) -> str:
    return text.lower().strip().replace("\n", " ")


def _squeezed(text: str) -> str:
    return text.strip().replace("\n", " ").replace(" ", "")


def contains_reference(prediction: str, references: Sequence[str], *, formula: bool = False) -> bool:
    """OCRBench's containment test; `formula` is its HME100k rule (spaces removed, case kept)."""
    normalise = _squeezed if formula else _folded
    answer = normalise(prediction)
    return any(normalise(reference) in answer for reference in references)


class OCRBenchOptions(ScorerOptions):
    subset_field: str = Field(
        "dataset", description="metadata field naming the source subset (the formula rule needs it)"
    )
    formula_subsets: list[str] = Field(
        default_factory=lambda: ["HME100k"], description="subsets scored with spaces removed, case kept"
    )


class OCRBenchScorer(TextScorer):
    """1 when a reference appears in the answer, by OCRBench's own rule."""

    name = "ocrbench"
    Options = OCRBenchOptions
    options: OCRBenchOptions

    metric = Metric(
        name="ocrbench",
        binary=True,
        description="a reference is contained in the answer (OCRBench's rule)",
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
            return SampleScore({"ocrbench": 0.0}, {}, ("no_reference",))
        subset = (metadata or {}).get(self.options.subset_field)
        formula = subset in self.options.formula_subsets
        right = contains_reference(prediction, targets, formula=formula)
        return SampleScore({"ocrbench": float(right)}, {"formula_rule": formula})
