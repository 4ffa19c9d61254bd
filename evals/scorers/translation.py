"""BLEU and chrF as sacrebleu computes them, corpus level, with sacrebleu's signatures recorded.

Per sample we keep sacrebleu's own sufficient statistics for the segment (n-gram matches and
totals and the lengths for BLEU; character and word n-gram matches for chrF), computed by
sacrebleu's metric objects; the summary sums them over the corpus (or a bootstrap resample) and
hands the sums to sacrebleu's `_compute_score_from_stats`. That is how `sacrebleu.corpus_bleu`
and the `sacrebleu` command line compute a corpus score, so the headline equals theirs
(tests/speech/test_translation_scorers.py runs the CLI). The per-sample value is sacrebleu's
sentence-level score (BLEU with effective order, as its `sentence_score` recommends).

Each metric's description carries sacrebleu's signature (`nrefs:1|case:mixed|eff:no|tok:13a|
smooth:exp|version:…`), so a figure can be told apart from one computed another way. With
several references a sample is scored against all of them (sacrebleu's multi-reference rule);
the signature then says nrefs:var. sacrebleu is pinned: its private stats API is used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache, partial
from typing import Any, ClassVar, Literal, get_args

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from evals.corpus import register_combiner
from evals.scoring import Metric, SampleScore, ScorerOptions, TextScorer

Tokenizer = Literal["13a", "intl", "char", "none", "zh", "ja-mecab", "ko-mecab", "flores101", "flores200"]


class BleuOptions(ScorerOptions):
    tokenize: Tokenizer = Field("13a", description="sacrebleu's tokenizer (13a: mteval-v13a, its default)")
    lowercase: bool = Field(False, description="compare lower-cased text")


class ChrfOptions(ScorerOptions):
    plus_plus: bool = Field(False, description="chrF++ (word bigrams too: sacrebleu's --chrf-word-order 2)")
    lowercase: bool = Field(False, description="compare lower-cased text")


@cache
def _bleu(tokenize: str, lowercase: bool, effective_order: bool) -> Any:
    from sacrebleu.metrics.bleu import BLEU

    return BLEU(tokenize=tokenize, lowercase=lowercase, effective_order=effective_order)


@cache
def _chrf(word_order: int, lowercase: bool) -> Any:
    from sacrebleu.metrics.chrf import CHRF

    return CHRF(word_order=word_order, lowercase=lowercase)


def _score_from_sums(metric: Any, sums: NDArray[np.float64]) -> float:
    """sacrebleu's corpus score from summed segment statistics (NaN for an empty corpus)."""
    if not np.any(sums):
        return float("nan")
    return float(metric._compute_score_from_stats([round(float(s)) for s in sums]).score)


def signature(metric: Any, nrefs: str = "1") -> str:
    """sacrebleu's signature of a metric object, with the number of references stated."""
    parts = str(metric.get_signature()).split("|")
    return "|".join(f"nrefs:{nrefs}" if p.startswith("nrefs:") else p for p in parts)


def _statistics(metric: Any, prediction: str, targets: Sequence[str]) -> list[int]:
    # sacrebleu takes references as streams: one list per reference, aligned with the hypotheses
    found = metric._extract_corpus_statistics([prediction], [[t] for t in targets])
    return [int(v) for v in found[0]]


class _SacreScorer(TextScorer):
    label: ClassVar[str]

    def corpus_name(self) -> str:
        """The combiner of this option set (registered below)."""
        raise NotImplementedError

    def corpus_metric(self) -> Any:
        raise NotImplementedError

    def sentence_metric(self) -> Any:
        return self.corpus_metric()

    def stat_keys(self) -> tuple[str, ...]:
        return tuple(f"{self.name}_stat_{i}" for i in range(self.stat_count()))

    def stat_count(self) -> int:
        return len(_statistics(self.corpus_metric(), "a", ["a"]))

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (
            Metric(
                name=self.name,
                corpus=self.corpus_name(),
                corpus_stats=self.stat_keys(),
                description=f"corpus {self.label} as sacrebleu computes it, 0-100 "
                f"(signature {signature(self.corpus_metric())}); per sample: sentence {self.label}",
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
        references = list(targets) or [""]
        flags = () if targets else ("no_reference",)
        stats = _statistics(self.corpus_metric(), prediction, references)
        sentence = float(self.sentence_metric().sentence_score(prediction, references).score)
        details: dict[str, Any] = dict(zip(self.stat_keys(), stats, strict=True))
        details["signature"] = signature(self.corpus_metric(), "1" if len(references) == 1 else "var")
        return SampleScore({self.name: sentence}, details, flags)


class BLEU(_SacreScorer):
    """Corpus BLEU (sacrebleu; 13a tokens, exponential smoothing by default)."""

    name = "bleu"
    label = "BLEU"
    Options = BleuOptions
    options: BleuOptions

    def corpus_name(self) -> str:
        return f"sacrebleu_bleu_{self.options.tokenize}_{'lc' if self.options.lowercase else 'mixed'}"

    def corpus_metric(self) -> Any:
        return _bleu(self.options.tokenize, self.options.lowercase, False)

    def sentence_metric(self) -> Any:
        return _bleu(self.options.tokenize, self.options.lowercase, True)


class CHRF(_SacreScorer):
    """Corpus chrF (sacrebleu; character 6-grams, beta 2), or chrF++ with word bigrams."""

    name = "chrf"
    label = "chrF"
    Options = ChrfOptions
    options: ChrfOptions

    def corpus_name(self) -> str:
        case = "lc" if self.options.lowercase else "mixed"
        return f"sacrebleu_chrf_{2 if self.options.plus_plus else 0}_{case}"

    def corpus_metric(self) -> Any:
        return _chrf(2 if self.options.plus_plus else 0, self.options.lowercase)


def _combiner(make: Callable[[], Any]) -> Callable[[NDArray[np.float64]], float]:
    return lambda sums: _score_from_sums(make(), sums)


def _register() -> None:
    """One combiner per option set (they differ in how the sums combine or what was counted)."""
    for lowercase in (False, True):
        case = "lc" if lowercase else "mixed"
        for tokenize in get_args(Tokenizer):
            register_combiner(
                f"sacrebleu_bleu_{tokenize}_{case}", _combiner(partial(_bleu, tokenize, lowercase, False))
            )
        for order in (0, 2):
            register_combiner(f"sacrebleu_chrf_{order}_{case}", _combiner(partial(_chrf, order, lowercase)))


_register()
