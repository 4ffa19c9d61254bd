"""Word and character error rates through jiwer, after Whisper's English normaliser by default.

The normalisers are our own implementation of openai/whisper's (`evals/scorers/_whisper.py`),
proven equal to whisper's code on the golden vectors in tests/scorers/golden/, so no package
upgrade can move a WER figure.

The headline is corpus level, as open_asr_leaderboard reports it: total substitutions, deletions
and insertions over total reference words (characters), via `Metric.ratio_of`; the per-sample
value is the utterance's own rate, whose mean the summary keeps as `sample_mean`.

Choices made here (docs/metrics.md): with several references the most frequent one is scored
(the first on ties; the same rule as the oracle baseline); an empty hypothesis of a non-empty
reference is all deletions (rate 1.0); an empty reference (also one the normaliser empties,
e.g. "um") is flagged `empty_reference`, its utterance rate is 0.0 when the hypothesis is empty
too and 1.0 otherwise, and its insertions still count in the corpus numerator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

import jiwer
from pydantic import Field

from evals.references import most_common
from evals.scorers._whisper import NormalizerName, get_normalizer
from evals.scoring import Metric, SampleScore, ScorerOptions, TextScorer

# The normalised text has single spaces and no edges, so splitting is all jiwer needs to do.
_WORDS = jiwer.ReduceToListOfListOfWords()
_CHARS = jiwer.ReduceToListOfListOfChars()


Unit = Literal["words", "characters"]


def edit_counts(reference: str, hypothesis: str, unit: Unit) -> tuple[int, int, int, int]:
    """Hits, substitutions, deletions, insertions of jiwer's alignment of two normalised texts."""
    if not reference:  # everything is an insertion (jiwer 3 refuses empty references)
        return 0, 0, 0, len(hypothesis.split() if unit == "words" else hypothesis)
    out: jiwer.WordOutput | jiwer.CharacterOutput
    if unit == "words":
        out = jiwer.process_words(reference, hypothesis, _WORDS, _WORDS)
    else:
        out = jiwer.process_characters(reference, hypothesis, _CHARS, _CHARS)
    return out.hits, out.substitutions, out.deletions, out.insertions


class SpeechOptions(ScorerOptions):
    normalizer: NormalizerName = Field(
        "whisper-english",
        description="text normalisation of both sides: whisper-english (openai/whisper's "
        "EnglishTextNormalizer), basic (its BasicTextNormalizer()), or none (whitespace only)",
    )


class _ErrorRate(TextScorer):
    Options = SpeechOptions
    options: SpeechOptions
    unit: ClassVar[Unit]

    def __init__(self, options: ScorerOptions | None = None) -> None:
        super().__init__(options)
        self._normalise = get_normalizer(self.options.normalizer)

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (
            Metric(
                name=self.name,
                higher_is_better=False,
                ratio_of=("errors", "reference_length"),
                description=f"(S + D + I) / reference {self.unit}, summed over the corpus "
                f"({self.options.normalizer} normaliser); per sample: the utterance's rate",
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
        flags: list[str] = []
        if not targets:
            flags.append("no_reference")
        reference = self._normalise(most_common(targets)) if targets else ""
        hypothesis = self._normalise(prediction)
        hits, subs, dels, ins = edit_counts(reference, hypothesis, self.unit)
        length = hits + subs + dels
        errors = subs + dels + ins
        if length == 0:
            flags.append("empty_reference")
            value = 0.0 if errors == 0 else 1.0
        else:
            value = errors / length
        details = {
            "substitutions": subs,
            "deletions": dels,
            "insertions": ins,
            "hits": hits,
            "errors": errors,
            "reference_length": length,
        }
        return SampleScore({self.name: value}, details, tuple(flags))


class WER(_ErrorRate):
    """Word error rate (corpus level; per-utterance mean in the summary's sample_mean)."""

    name = "wer"
    unit = "words"


class CER(_ErrorRate):
    """Character error rate, spaces included (corpus level; per-utterance mean as sample_mean)."""

    name = "cer"
    unit = "characters"
