"""Diarization error rate (DER) and Jaccard error rate (JER) as pyannote.metrics computes them.

pyannote.metrics is the reference implementation (Bredin, Interspeech 2017): we build its
`Annotation`s from the reference and the answer (RTTM or `start end speaker` lines,
evals/segments.py) and call its `DiarizationErrorRate` / `JaccardErrorRate` with the task's
collar and overlap settings, which the metric's description records.

The headline is corpus level, as pyannote's `abs(metric)` accumulates it over files: DER is
total (confusion + missed detection + false alarm) seconds over total reference speech; JER is the
sum of per-speaker Jaccard errors over the number of reference speakers. The per-sample value is
the file's own rate. An answer that is not segment lines is flagged `unparsed` and scored as an
empty answer (all speech missed); a reference that is not is a scorer failure (a data bug).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from evals.references import most_common
from evals.scoring import Metric, SampleScore, ScorerFailed, ScorerOptions, TextScorer
from evals.segments import Segment, SegmentError, parse_segments

if TYPE_CHECKING:
    from pyannote.core import Annotation


class DiarizationOptions(ScorerOptions):
    collar: float = Field(
        0.0,
        ge=0.0,
        le=2.0,
        description="seconds around each reference boundary not scored (total, both sides)",
    )
    skip_overlap: bool = Field(False, description="leave out regions where reference speakers overlap")


def annotation(segments: Sequence[Segment], uri: str = "audio") -> Annotation:
    """The turns as a pyannote Annotation (one track per turn)."""
    from pyannote.core import Annotation
    from pyannote.core import Segment as Span

    found = Annotation(uri=uri)
    for number, segment in enumerate(segments):
        if segment.end > segment.start:
            found[Span(segment.start, segment.end), number] = segment.speaker
    return found


class _DiarizationScorer(TextScorer):
    Options = DiarizationOptions
    options: DiarizationOptions
    title: ClassVar[str]
    # (name of pyannote's error component(s) summed as the numerator, its denominator)
    numerator: ClassVar[tuple[str, ...]]
    denominator: ClassVar[str]

    def _pyannote(self) -> Any:
        raise NotImplementedError

    def settings(self) -> str:
        return f"collar {self.options.collar:g} s, skip_overlap {self.options.skip_overlap}"

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (
            Metric(
                name=self.name,
                higher_is_better=False,
                ratio_of=("errors", "total"),
                description=f"{self.title} as pyannote.metrics computes it ({self.settings()}), "
                "summed over the corpus; per sample: the file's own rate",
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
        if not targets:
            raise ScorerFailed("the sample has no reference segments")
        try:
            reference = parse_segments(most_common(targets))
        except SegmentError as exc:
            raise ScorerFailed(f"the reference is not segment lines: {exc}") from exc
        flags: list[str] = []
        try:
            hypothesis = parse_segments(prediction)
        except SegmentError:
            flags.append("unparsed")
            hypothesis = []
        metric = self._pyannote()
        with warnings.catch_warnings():
            # no UEM is given: pyannote scores the union of both extents, and warns that it does
            warnings.filterwarnings("ignore", message="'uem' was approximated")
            components = metric(annotation(reference), annotation(hypothesis), detailed=True)
        errors = sum(float(components[key]) for key in self.numerator)
        total = float(components[self.denominator])
        value = errors / total if total > 0 else (0.0 if errors == 0 else 1.0)
        details: dict[str, Any] = {key: round(float(v), 6) for key, v in components.items()}
        details.update(
            errors=errors,
            total=total,
            collar=self.options.collar,
            skip_overlap=self.options.skip_overlap,
            hypothesis_speakers=len({s.speaker for s in hypothesis}),
            reference_speakers=len({s.speaker for s in reference}),
        )
        return SampleScore({self.name: value}, details, tuple(flags))


class DER(_DiarizationScorer):
    """Diarization error rate: (confusion + missed + false alarm) / reference speech."""

    name = "der"
    title = "diarization error rate"
    numerator = ("confusion", "missed detection", "false alarm")
    denominator = "total"

    def _pyannote(self) -> Any:
        from pyannote.metrics.diarization import DiarizationErrorRate

        return DiarizationErrorRate(collar=self.options.collar, skip_overlap=self.options.skip_overlap)


class JER(_DiarizationScorer):
    """Jaccard error rate: per reference speaker, 1 - intersection / union, averaged (DIHARD II)."""

    name = "jer"
    title = "Jaccard error rate"
    numerator = ("speaker error",)
    denominator = "speaker count"

    def _pyannote(self) -> Any:
        from pyannote.metrics.diarization import JaccardErrorRate

        return JaccardErrorRate(  # type: ignore[no-untyped-call]
            collar=self.options.collar, skip_overlap=self.options.skip_overlap
        )
